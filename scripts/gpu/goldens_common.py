"""Tokenizer and torch.randn goldens for diffusers_goldens.py (see there)."""

import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
IN = HERE / "diffusers_goldens_in"
T0 = time.time()


def log(*a):
    print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)


def save_npy(path, arr):
    arr = np.ascontiguousarray(np.asarray(arr, dtype=np.float32))
    np.save(path, arr)
    return path.name


# ---------------------------------------------------------------- tokenizers

def load_tokenizer(folder, pad):
    from transformers import CLIPTokenizer

    errs = []
    for how in ("from_pretrained", "files"):
        try:
            if how == "from_pretrained":
                tok = CLIPTokenizer.from_pretrained(str(folder), model_max_length=77, pad_token=pad)
            else:
                tok = CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                                    pad_token=pad, model_max_length=77)
            tok.model_max_length = 77
            return tok
        except Exception as e:  # noqa: BLE001 - try the next way, report all
            errs.append(f"{how}: {e!r}")
    raise RuntimeError("cannot build CLIPTokenizer: " + "; ".join(errs))


def ids(tok, text):
    return tok(text, padding="max_length", max_length=77, truncation=True).input_ids


def bpe_vocab(words, n_merges):
    """A CLIP-layout vocab (bytes, bytes</w>, merges, specials) with merges learned on words."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    byte_enc = dict(zip(bs, [chr(c) for c in cs]))
    vocab = {}
    for i, b in enumerate(bs):
        vocab[byte_enc[b]] = i
        vocab[byte_enc[b] + "</w>"] = 256 + i
    counts = {}
    for w in words:
        sym = tuple(byte_enc[b] for b in w.encode("utf-8"))
        if not sym:
            continue
        sym = sym[:-1] + (sym[-1] + "</w>",)
        counts[sym] = counts.get(sym, 0) + 1
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for sym, c in counts.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        if pairs[best] < 2:
            break
        merges.append(best)
        new = {}
        for sym, c in counts.items():
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and (sym[i], sym[i + 1]) == best:
                    out.append(sym[i] + sym[i + 1])
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        counts = new
    for j, (a, b) in enumerate(merges):
        vocab.setdefault(a + b, 512 + j)
    vocab["<|startoftext|>"] = 512 + len(merges)
    vocab["<|endoftext|>"] = 513 + len(merges)
    return vocab, [f"{a} {b}" for a, b in merges]


def prompts():
    base = [
        "", " ", "   ", "\t\n", "a photo of a cat", "A PHOTO OF A CAT", "  a   photo\tof a\ncat  ",
        "a photo of a dog", "the dog", "thing", "singer", "photos of cats", "photophoto",
        "Hello, World! 123", "1234567890", "3.14159", "-42", "1,000,000", "$5.99", "50%", "#hashtag", "@user",
        "it's", "don't", "we're", "they've", "I'm", "you'll", "he'd", "IT'S", "cat's", "o'clock",
        "a,b.c;d:e!f?g", "...", "!!!", "???", "--", "(parens) [brackets] {braces}", "<angle>", "quote \"this\"",
        "back\\slash", "tab\there", "new\nline", "cr\rreturn", "a/b/c", "snake_case_name", "kebab-case-name",
        "café", "naïve", "Ünïcödé", "résumé", "Ελληνικά", "русский текст", "עברית", "العربية", "हिन्दी",
        "日本語のテキスト", "中文文本", "한국어", "ไทย", "emoji 😀🎉", "👍🏽", "🏳️‍🌈", "e\u0301", "\u00e9",
        "ﬁ ligature", "ｆｕｌｌｗｉｄｔｈ", "ℌ𝔢𝔩𝔩𝔬", "x\u200by", "soft\u00adhyphen", "nbsp\u00a0here",
        "zero\u0000byte", "bell\u0007", "del\u007f", "\ufeffbom", "replacement \ufffd",
        "<|startoftext|>", "<|endoftext|>", "a <|endoftext|> b", "<|startoftext|>cat<|endoftext|>",
        "&amp; &lt; &gt;", "http://example.com/path?q=1&r=2", "user@example.com", "C++ and C#", "x^2 + y^2 = z^2",
        "masterpiece, best quality, ultra-detailed, 8k", "(cat:1.2), [dog]", "a cat | a dog", "cat AND dog",
        "ＡＢＣ", "ⅷ", "²³", "½", "٣", "१२३", "〇一二", "ⓐⓑ", "Å", "ß", "İstanbul", "ǅ", "ΣΑΣ",
    ]
    long = [
        " ".join(["cat"] * 80), " ".join(["a photo of a cat"] * 20), "x" * 500, "the " * 76, "the " * 75,
        "the " * 74, "1 " * 100, "😀" * 40, ",".join(str(i) for i in range(60)),
    ]
    rng = np.random.RandomState(1234)
    words = ["a", "photo", "of", "cat", "dog", "the", "thing", "singer", "neon", "city", "night", "VJ", "light",
             "4k", "hdr", "über", "naïve", "日本", "😀", "it's", "don't", "1999", "3.5", "x", "—", "...", "!"]
    seps = [" ", "  ", ", ", ",", ". ", "\t", "\n", "-", "_", "'", ""]
    rand = []
    for _ in range(110):
        k = rng.randint(1, 14)
        s = ""
        for j in range(k):
            s += words[rng.randint(len(words))]
            if j < k - 1:
                s += seps[rng.randint(len(seps))]
        if rng.rand() < 0.3:
            s = s.upper()
        rand.append(s)
    return base + long + rand


def tokenizer_goldens(out):
    import transformers

    texts = prompts()
    res = {"transformers": transformers.__version__, "cases": []}
    try:
        import ftfy  # noqa: F401
        res["ftfy"] = True
    except ImportError:
        res["ftfy"] = False
    tok1 = load_tokenizer(IN / "tokenizer", "<|endoftext|>")
    tok2 = load_tokenizer(IN / "tokenizer_2", "!")
    res["class"] = type(tok1).__module__ + "." + type(tok1).__name__
    rich = out / "tokenizer_rich"
    rich.mkdir(parents=True, exist_ok=True)
    corpus = []
    for t in texts + ["a photo of an astronaut riding a horse on mars", "masterpiece best quality"] * 3:
        corpus += t.lower().split()
    vocab, merges = bpe_vocab(corpus, 400)
    (rich / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")
    (rich / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        shutil.copy(IN / "tokenizer" / name, rich / name)
    tok3 = load_tokenizer(rich, "<|endoftext|>")
    res["rich_merges"] = len(merges)
    for t in texts:
        c = {"text": t}
        for key, tok in (("ids1", tok1), ("ids2", tok2), ("rich", tok3)):
            try:
                c[key] = [int(i) for i in ids(tok, t)]
            except Exception as e:  # noqa: BLE001
                c[key + "_error"] = repr(e)
        res["cases"].append(c)
    (out / "tokenizer.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"tokenizer: {len(texts)} prompts, class {res['class']}, ftfy {res['ftfy']}, rich merges {len(merges)}")


# ---------------------------------------------------------------- torch randn

def randn_goldens(out):
    d = out / "randn"
    d.mkdir(parents=True, exist_ok=True)
    cases = []
    seeds = [0, 1, 42, 1234, 2**31 + 11, 2**32 + 5, 2**63 + 3]
    shapes = [[1], [2], [7], [15], [16], [17], [31], [33], [100], [1000], [2, 3, 5, 7], [1, 4, 8, 8],
              [1, 4, 16, 16], [10007], [1, 4, 64, 64]]
    for s in seeds:
        for shape in shapes:
            name = f"seed{s}_{'x'.join(map(str, shape))}.npy"
            try:
                g = torch.Generator("cpu").manual_seed(s)
                x = torch.randn(shape, generator=g, dtype=torch.float32).flatten()[:16384]
                save_npy(d / name, x.numpy())
                cases.append({"seed": s, "shapes": [shape], "file": name})
            except Exception as e:  # noqa: BLE001
                cases.append({"seed": s, "shapes": [shape], "error": repr(e)})
    # Several draws from one generator: the state (and the scalar path's cached normal) carries over.
    seqs = [[[3], [3], [20], [5]], [[1, 4, 8, 8], [1, 4, 8, 8], [1, 4, 8, 8]], [[5], [16], [1], [17], [2]],
            [[1, 4, 16, 16], [1, 4, 16, 16], [1, 4, 16, 16], [1, 4, 16, 16]], [[1], [1], [1], [40]]]
    for s in (0, 42, 7):
        for k, seq in enumerate(seqs):
            g = torch.Generator("cpu").manual_seed(s)
            xs = [torch.randn(sh, generator=g, dtype=torch.float32).flatten() for sh in seq]
            name = f"seq{k}_seed{s}.npy"
            save_npy(d / name, torch.cat(xs).numpy())
            cases.append({"seed": s, "shapes": seq, "file": name})
    # torch.manual_seed (the default generator) equals a fresh Generator seeded the same.
    torch.manual_seed(42)
    a = torch.randn([50])
    b = torch.randn([50], generator=torch.Generator("cpu").manual_seed(42))
    (out / "randn.json").write_text(json.dumps({"torch": torch.__version__, "cases": cases,
                                                "default_equals_generator": bool(torch.equal(a, b))}, indent=1))
    log(f"randn: {len(cases)} cases")
