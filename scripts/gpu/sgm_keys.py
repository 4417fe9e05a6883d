"""Names and shapes of the real-size single files convert_check.py makes, without torch.

usage: python3 sgm_keys.py DIFFUSERS_SRC REAL_STATE_DICTS.json.gz OUT.json.gz

Runs diffusers_safetensors.py's inverse maps (diffusers → SGM/ldm names) and convert_check.py's
extras on shape-only stand-ins for the real SDXL / SD 2.1 state dicts
(engine/diffusion/sdconv/testdata/real-state-dicts.json.gz, made by diffusers and transformers on
the GPU machine), then maps the result back with diffusers' own single_file_utils converters (their
source text, run on the stand-ins) and checks that every tensor comes back under its name with its
shape and its data (each stand-in knows which tensor, rows and transposition it holds). Writes what
the engine's Go test TestRealSingleFileKeys reads: each single file's names and shapes, and the
kohya SGM names of the LoRA convert_check.py makes.
"""

import ast
import gzip
import json
import sys
import types


class T:
    """A shape-only tensor that remembers which data it holds: (source name, row range, transposed)."""

    def __init__(self, shape, src, rows=None, tr=False, parts=None):
        self.shape, self.src, self.rows, self.tr, self.parts = tuple(shape), src, rows, tr, parts

    ndim = property(lambda s: len(s.shape))
    T = property(lambda s: T(s.shape[::-1], s.src, s.rows, not s.tr, s.parts))

    def __getitem__(self, idx):
        idx = idx if isinstance(idx, tuple) else (idx,)
        shape, rows = list(self.shape), None
        out, dim = [], 0
        for i in idx:
            if i is None:
                out.append(1)
            elif isinstance(i, int):
                dim += 1
            elif isinstance(i, slice):
                lo, hi, _ = i.indices(shape[dim])
                if dim == 0 and (lo, hi) != (0, shape[0]):
                    rows = (lo, hi)
                out.append(hi - lo)
                dim += 1
        out += shape[dim:]
        if rows is None:
            return T(out, self.src, self.rows, self.tr, self.parts)
        if self.parts:  # rows of a concatenation: exactly one part
            for p in self.parts:
                if (p.rows_at, p.rows_at + p.shape[0]) == rows:
                    return T(out, p.src, p.rows, p.tr)
            raise ValueError(f"rows {rows} do not match one concatenated part")
        return T(out, self.src, rows, self.tr)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return T(shape, self.src, self.rows, self.tr, self.parts)

    def numel(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def contiguous(self):
        return self

    clone = detach = float = half = contiguous

    def is_floating_point(self):
        return True

    def key(self):
        return (self.src, self.rows, self.tr)


def cat(ts, dim=0):
    assert dim == 0
    at, parts = 0, []
    for t in ts:
        p = T(t.shape, t.src, t.rows, t.tr)
        p.rows_at = at
        parts.append(p)
        at += t.shape[0]
    return T((at,) + ts[0].shape[1:], None, parts=parts)


def equal(a, b):
    dims = lambda s: [d for d in s if d != 1]
    return dims(a.shape) == dims(b.shape) and a.key() == b.key() and not a.parts and not b.parts


def stub_modules(sfu_ns):
    torch = types.ModuleType("torch")
    torch.cat, torch.equal, torch.Tensor = cat, equal, T
    torch.manual_seed = lambda *a: None
    torch.tensor = lambda v, **k: T((), "tensor")
    torch.arange = lambda n, **k: T((n,), "arange")
    sys.modules["torch"] = torch
    st = types.ModuleType("safetensors")
    st.torch = types.ModuleType("safetensors.torch")
    st.torch.save_file = lambda *a, **k: None
    sys.modules["safetensors"], sys.modules["safetensors.torch"] = st, st.torch
    d = types.ModuleType("diffusers")
    for n in ("AutoencoderKL", "AutoencoderTiny", "UNet2DConditionModel"):
        setattr(d, n, object)
    d.loaders = types.ModuleType("diffusers.loaders")
    d.loaders.single_file_utils = types.SimpleNamespace(**sfu_ns)
    sys.modules["diffusers"], sys.modules["diffusers.loaders"] = d, d.loaders
    sys.modules["diffusers.loaders.single_file_utils"] = d.loaders.single_file_utils
    tr = types.ModuleType("transformers")
    for n in ("CLIPTextConfig", "CLIPTextModel", "CLIPTextModelWithProjection"):
        setattr(tr, n, object)
    sys.modules["transformers"] = tr


SFU_NAMES = ["DIFFUSERS_TO_LDM_MAPPING", "SD_2_TEXT_ENCODER_KEYS_TO_IGNORE", "LDM_CLIP_PREFIX_TO_REMOVE",
             "LDM_OPEN_CLIP_TEXT_PROJECTION_DIM", "LDM_UNET_KEY", "LDM_VAE_KEYS", "conv_attn_to_linear",
             "update_unet_resnet_ldm_to_diffusers", "update_unet_attention_ldm_to_diffusers",
             "update_vae_resnet_ldm_to_diffusers", "update_vae_attentions_ldm_to_diffusers",
             "convert_ldm_unet_checkpoint", "convert_ldm_vae_checkpoint", "convert_ldm_clip_checkpoint",
             "convert_open_clip_checkpoint"]


def load_sfu(src):
    """The constants and converters of diffusers' single_file_utils.py, from its source text."""
    text = open(f"{src}/diffusers/loaders/single_file_utils.py").read()
    tree = ast.parse(text)
    keep = []
    for node in tree.body:
        names = [node.name] if isinstance(node, ast.FunctionDef) else \
            [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if any(n in SFU_NAMES for n in names):
            keep.append(node)
    ns = {"logger": types.SimpleNamespace(warning=lambda *a, **k: None, info=lambda *a, **k: None)}
    exec(compile(ast.Module(body=keep, type_ignores=[]), "single_file_utils.py", "exec"), ns)
    missing = [n for n in SFU_NAMES if n not in ns]
    assert not missing, missing
    return {n: ns[n] for n in SFU_NAMES}


class Cfg(dict):
    __getattr__ = dict.__getitem__


def main():
    src, real, out = sys.argv[1:4]
    sfu = load_sfu(src)
    stub_modules(sfu)
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import diffusers_safetensors as ds
    import convert_check as cc

    with gzip.open(real) as f:
        want = json.load(f)
    sd = {k: {n: T(s, f"{k}/{n}") for n, s in v.items() if not n.endswith("position_ids")} for k, v in want.items()}
    vae_enc = {n: t for n, t in sd["vae"].items()}
    unet_cfg = {"sdxl": Cfg(cc.configs("sdxl")["unet"]), "sd21": Cfg(cc.configs("sd21")["unet"])}
    for c in unet_cfg.values():  # what diffusers' config has beyond the constructor arguments given
        c.setdefault("class_embed_type", None)
        c.setdefault("addition_embed_type", None)
        c.setdefault("num_class_embeds", None)
    result = {}
    for fam in ("sdxl", "sd21"):
        single = {}
        unet = sd[f"{fam}_unet"]
        single.update(ds.unet_to_ldm(unet, unet_cfg[fam]))
        single.update(ds.vae_to_ldm(vae_enc, 4))
        if fam == "sdxl":
            pre1, pre2 = "conditioner.embedders.0.transformer.", "conditioner.embedders.1.model."
            single.update({pre1 + k: v for k, v in ds.with_text_model(sd["clip_l"]).items()})
            single[pre1 + "text_model.embeddings.position_ids"] = T((1, 77), "position_ids")
            single.update(ds.openclip_to_ldm(sd["clip_g"], pre2))
            single[pre2 + "logit_scale"] = T((), "logit_scale")
            clip = [("clip-l", sfu["convert_ldm_clip_checkpoint"](single), sd["clip_l"]),
                    ("open-clip-bigG", sfu["convert_open_clip_checkpoint"](types.SimpleNamespace(config=Cfg(hidden_size=1280)), single, prefix=pre2), sd["clip_g"])]
        else:
            pre = "cond_stage_model.model."
            single.update(ds.openclip_to_ldm(sd["clip_h"], pre))
            single.update(cc.sd2_openclip_extras(single, pre, lambda v: T(v.shape if hasattr(v, "shape") else v, "extra")))
            clip = [("open-clip-h", sfu["convert_open_clip_checkpoint"](types.SimpleNamespace(config=Cfg(hidden_size=1024)), single, prefix=pre), sd["clip_h"])]
        vae_cfg = Cfg(cc.configs(fam)["vae"])
        for name, got, ref in [("unet", sfu["convert_ldm_unet_checkpoint"](single, unet_cfg[fam]), unet),
                               ("vae", sfu["convert_ldm_vae_checkpoint"](single, vae_cfg), vae_enc)] + clip:
            ds.check_same(f"{fam} {name}", got, ref)
        result[f"{fam}_single"] = {k: list(v.shape) for k, v in single.items()}
    kohya = {}
    for mod in sorted({n.rsplit(".", 1)[0] for n in sd["sdxl_unet"]}):
        if mod.rsplit(".", 1)[-1] in ("to_q", "to_k", "to_v", "proj_in", "conv1", "time_emb_proj") or mod.endswith(("to_out.0", "ff.net.2")):
            kohya[cc.kohya_sgm_name(mod, unet_cfg["sdxl"])] = mod
    result["sdxl_kohya_sgm_lora"] = kohya
    with gzip.open(out, "wt") as f:
        json.dump(result, f, sort_keys=True)
    print(f"{out}: " + ", ".join(f"{k} {len(v)}" for k, v in result.items()))


if __name__ == "__main__":
    main()
