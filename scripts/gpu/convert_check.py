"""The GPU-machine half of issue 14's acceptance: real-size SDXL and SD 2.1 checkpoints
made by diffusers/transformers/peft (random weights at the real configs), the engine's
`models convert` of each, and ONNX Runtime (CPU) runs of every converted model compared
with the torch modules' outputs on the same inputs. scripts/gpu/convert_check.sh runs it.

  make WORKDIR --family sdxl|sd21 [--device cuda|cpu] [--no-lora] [--no-single] [--tiny]
      WORKDIR/<fam>/{unet,vae,text_encoder[,text_encoder_2,taesd]}/   save_pretrained, fp32
      WORKDIR/<fam>-single.safetensors   the same weights under the original SGM/ldm names, F16
                                         (every weight is rounded to float16 first, so the F16
                                         file and the fp32 folder hold the very same values)
      WORKDIR/<fam>-lora/peft.safetensors         unet.save_lora_adapter (sdxl)
      WORKDIR/<fam>-lora/kohya-sgm.safetensors    the same update, kohya names, SGM blocks
      WORKDIR/refs/<fam>-<model>.safetensors      in.<input> / out.<output> of each ONNX model
                                                  (unet_lora: after fuse_lora(lora_scale=0.7);
                                                  unet: peer.out_sample = torch's own fp16 run)
  compare WORKDIR ONNX_DIR --family F --source S --models a,b [--ref unet_lora] [--tol 1e-4]
      one JSON line per model: ONNX Runtime (CPU) output vs the torch output
  identical A/conversion.json B/conversion.json --family F --source S
      one JSON line per model: are B's model files byte-identical (sha256) to A's?
  summary RESULTS.jsonl

stdout carries JSON lines only (the results); progress goes to stderr.
References are computed in float32 with TF32 off (CUDA matmul and cuDNN).
"""

import argparse
import gc
import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

T0 = time.time()
SEQ = 77
LORA_SCALE = 0.7


def log(*a):
    print(f"[{time.time() - T0:6.1f}s]", *a, file=sys.stderr, flush=True)


def emit(rec):
    print(json.dumps(rec, default=str), flush=True)


# ------------------------------------------------------------------ configs

# SDXL: FACTS.md "Real SDXL configs" (the same dicts sdxl_modules.py builds for the exports).
# CLIP token ids as the real SDXL / SD 2.1 text encoder configs have them (legacy eos 2:
# transformers pools at argmax(input_ids), the first EOS 49407).
CLIP_IDS = dict(bos_token_id=0, eos_token_id=2, pad_token_id=1, layer_norm_eps=1e-5)
# SD 2.1 (stabilityai/stable-diffusion-2-1; SD-Turbo has the same UNet): upcast_attention is what
# diffusers' conversion script calls "necessary when running stable diffusion 2.1" (no effect in fp32).
UNET21 = dict(
    sample_size=96, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=[320, 640, 1280, 1280], attention_head_dim=[5, 10, 20, 20], cross_attention_dim=1024,
    down_block_types=["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    up_block_types=["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    use_linear_projection=True, upcast_attention=True, norm_num_groups=32,
)
# OpenCLIP ViT-H/14 text tower as diffusers ships it for SD 2.x (23 of its 24 layers).
CLIP_H = dict(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23,
              num_attention_heads=16, max_position_embeddings=77, hidden_act="gelu", projection_dim=512)
LORA_TARGETS = ["to_q", "to_k", "to_v", "to_out.0", "proj_in", "ff.net.2", "conv1", "time_emb_proj"]


# --tiny: diffusers_safetensors.py's tiny configs (the vocabulary kept whole for the real token
# ids): the same path in seconds, a smoke test of this script on the GPU machine.
TINY_UNET = {
    "sdxl": dict(sample_size=8, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=[32, 64],
                 down_block_types=["DownBlock2D", "CrossAttnDownBlock2D"], up_block_types=["CrossAttnUpBlock2D", "UpBlock2D"],
                 attention_head_dim=[2, 4], transformer_layers_per_block=[1, 2], use_linear_projection=True,
                 cross_attention_dim=80, addition_embed_type="text_time", addition_time_embed_dim=8,
                 projection_class_embeddings_input_dim=8 * 6 + 40, norm_num_groups=8),
    "sd21": dict(sample_size=16, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=[16, 32, 32, 32],
                 down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
                 up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3, attention_head_dim=[2, 4, 4, 4],
                 use_linear_projection=True, upcast_attention=True, cross_attention_dim=32, norm_num_groups=8),
}
TINY_VAE = dict(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, block_out_channels=[16, 32],
                norm_num_groups=8, sample_size=32, down_block_types=["DownEncoderBlock2D"] * 2,
                up_block_types=["UpDecoderBlock2D"] * 2, scaling_factor=0.13025)


def tiny_clip(hidden, act, proj=None):
    return dict(vocab_size=49408, hidden_size=hidden, intermediate_size=37, num_hidden_layers=3, num_attention_heads=4,
                max_position_embeddings=77, hidden_act=act, projection_dim=proj or hidden, **CLIP_IDS)


def configs(fam, tiny=False):
    import sdxl_modules as sm

    if tiny:
        c = {"unet": dict(TINY_UNET[fam]), "vae": dict(TINY_VAE), "text_encoder": tiny_clip(32, "quick_gelu" if fam == "sdxl" else "gelu")}
        if fam == "sdxl":
            c["text_encoder_2"] = tiny_clip(48, "gelu", 40)
        return c
    if fam == "sdxl":
        return {"unet": dict(sm.UNET), "vae": dict(sm.VAE), "text_encoder": dict(sm.CLIP_L, **CLIP_IDS),
                "text_encoder_2": dict(sm.CLIP_G, **CLIP_IDS)}
    return {"unet": dict(UNET21), "vae": dict(sm.VAE, scaling_factor=0.18215, sample_size=768),
            "text_encoder": dict(CLIP_H, **CLIP_IDS)}


# ------------------------------------------------------------------ names (no torch needed)

def kohya_sgm_name(module, unet_config):
    """kohya sd-scripts' name of a UNet module in SGM layout (lora_unet_input_blocks_4_1_…)."""
    import diffusers_safetensors as ds

    (ldm,) = ds.unet_to_ldm({module + ".weight": None}, unet_config).keys()
    return "lora_unet_" + ldm[len("model.diffusion_model."):-len(".weight")].replace(".", "_")


def sd2_openclip_extras(sd, prefix, like):
    """What a real SD 2.x ldm file has beyond diffusers' 23-layer text model: the unused 24th
    resblock, text_projection and logit_scale (diffusers ignores them: SD_2_TEXT_ENCODER_KEYS_TO_IGNORE)."""
    out = {}
    last = max(int(k[len(prefix + "transformer.resblocks."):].split(".")[0]) for k in sd
               if k.startswith(prefix + "transformer.resblocks."))
    for k, v in sd.items():
        head = f"{prefix}transformer.resblocks.{last}."
        if k.startswith(head):
            out[f"{prefix}transformer.resblocks.{last + 1}." + k[len(head):]] = like(v)
    width = sd[prefix + "ln_final.weight"].shape[0]
    out[prefix + "text_projection"] = like((width, width))
    out[prefix + "logit_scale"] = like(())
    return out


# ------------------------------------------------------------------ make

def set_precision():
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")


def exact():
    """torch's plain (math) attention: with TF32 off, every matmul of the reference is float32."""
    import contextlib

    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        return sdpa_kernel(SDPBackend.MATH)
    except Exception:
        return contextlib.nullcontext()


def prepare(model, seed, dev):
    """Every 1-D parameter (biases, norm weights: zero/one at init) gets noise, so a swapped or
    missing one shows; then every parameter is rounded to float16 (an F16 file holds the same values)."""
    import torch

    g = torch.Generator(device=dev).manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim == 1:
                p.add_(torch.randn(p.shape, generator=g, device=p.device, dtype=p.dtype) * 0.05)
            p.copy_(p.half().float())
    return model.eval().requires_grad_(False)


def token_ids(pad, seed):
    """[1,77]: BOS, 20 tokens, EOS 49407, then padding (EOS for tokenizer 1, "!" = 0 for tokenizer 2)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    ids = torch.full((1, SEQ), pad, dtype=torch.long)
    ids[0, 0] = 49406
    ids[0, 1:21] = torch.randint(300, 49000, (20,), generator=g)
    ids[0, 21] = 49407
    return ids


def save_refs(work, name, tensors):
    import torch
    from safetensors.torch import save_file

    os.makedirs(f"{work}/refs", exist_ok=True)
    out = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in tensors.items()}
    save_file(out, f"{work}/refs/{name}.safetensors")
    return sorted(out)


class Maker:
    def __init__(self, work, fam, dev, tiny=False):
        self.work, self.fam, self.dev, self.tiny = work, fam, dev, tiny
        self.status = {"family": fam, "device": dev, "steps": {}}

    def step(self, name, fn, *a):
        """Runs one part; a failure is recorded (JSON line) and the next part still runs."""
        t0 = time.time()
        rec = {"check": "make", "family": self.fam, "step": name}
        try:
            extra = fn(*a) or {}
            rec.update(ok=True, **extra)
        except Exception as e:  # keep going: every part that works is checked on its own
            traceback.print_exc(file=sys.stderr)
            rec.update(ok=False, error=repr(e)[:800])
        rec["s"] = round(time.time() - t0, 1)
        self.status["steps"][name] = rec
        log(f"{self.fam} {name}: ok={rec['ok']} in {rec['s']} s")
        emit(rec)
        return rec["ok"]

    # -- modules
    def build(self):
        import torch
        from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel
        from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

        cfg = configs(self.fam, self.tiny)
        torch.manual_seed({"sdxl": 0, "sd21": 1}[self.fam])
        with torch.device(self.dev):
            m = {"unet": UNet2DConditionModel(**cfg["unet"]), "vae": AutoencoderKL(**cfg["vae"]),
                 "text_encoder": CLIPTextModel(CLIPTextConfig(**cfg["text_encoder"]))}
            if self.fam == "sdxl":
                m["text_encoder_2"] = CLIPTextModelWithProjection(CLIPTextConfig(**cfg["text_encoder_2"]))
                m["taesd"] = AutoencoderTiny()
        for i, (k, v) in enumerate(sorted(m.items())):
            prepare(v, 100 + i, self.dev)
        self.m = m
        return {"params": {k: sum(p.numel() for p in v.parameters()) for k, v in m.items()}}

    def inputs(self):
        import torch

        g = torch.Generator().manual_seed({"sdxl": 7, "sd21": 8}[self.fam])
        uc = self.m["unet"].config
        ctx = uc["cross_attention_dim"]
        # SDXL's tokenizer pads with EOS, tokenizer_2 and SD 2's with "!" (id 0)
        x = {"ids1": token_ids(49407 if self.fam == "sdxl" else 0, 11), "ids2": token_ids(0, 12),
             "sample": torch.randn(1, 4, 32, 32, generator=g), "timestep": torch.tensor([499.0]),
             "ehs": torch.randn(1, SEQ, ctx, generator=g),
             "image": torch.rand(1, 3, 256, 256, generator=g) * 2 - 1, "latent": torch.randn(1, 4, 32, 32, generator=g)}
        if self.fam == "sdxl":
            pooled = uc["projection_class_embeddings_input_dim"] - 6 * uc["addition_time_embed_dim"]
            x["text_embeds"] = torch.randn(1, pooled, generator=g)
            x["time_ids"] = torch.tensor([[256.0, 256, 0, 0, 256, 256]])
        self.x = {k: v.to(self.dev) for k, v in x.items()}
        return {"shapes": {k: list(v.shape) for k, v in x.items()}}

    def unet_io(self, dtype=None):
        x = self.x
        cast = (lambda t: t.to(dtype)) if dtype is not None else (lambda t: t)
        ins = {"sample": x["sample"], "timestep": x["timestep"], "encoder_hidden_states": x["ehs"]}
        kw = {}
        if self.fam == "sdxl":
            ins["text_embeds"], ins["time_ids"] = x["text_embeds"], x["time_ids"]
            kw["added_cond_kwargs"] = {"text_embeds": cast(x["text_embeds"]), "time_ids": cast(x["time_ids"])}
        args = (cast(x["sample"]), x["timestep"], cast(x["ehs"]))
        return ins, args, kw

    def refs(self):
        import torch

        m, x, fam, names = self.m, self.x, self.fam, {}
        with torch.no_grad(), exact():
            for sub, ids in (("text_encoder", x["ids1"]), ("text_encoder_2", x["ids2"])):
                if sub not in m:
                    continue
                o = m[sub](input_ids=ids, output_hidden_states=True)
                t = {"in.input_ids": ids.float(), "out.last_hidden_state": o.last_hidden_state}
                if getattr(o, "text_embeds", None) is not None:
                    t["out.text_embeds"] = o.text_embeds
                else:
                    t["out.pooler_output"] = o.pooler_output
                for i, h in enumerate(o.hidden_states):
                    t[f"out.hidden_states.{i}"] = h
                names[sub] = len(save_refs(self.work, f"{fam}-{sub}", t))
            ins, args, kw = self.unet_io()
            out = m["unet"](*args, **kw).sample
            t = {"in." + k: v for k, v in ins.items()}
            t["out.out_sample"] = out
            self.unet_ref = dict(t)
            try:  # torch's own float16 UNet on the same inputs: the yardstick for the engine's --fp16
                import copy

                u16 = copy.deepcopy(m["unet"]).half()
                _, a16, kw16 = self.unet_io(torch.float16)
                t["peer.out_sample"] = u16(*a16, **kw16).sample.float()
                del u16
            except Exception as e:
                log("torch fp16 UNet run failed (no yardstick):", repr(e)[:300])
            names["unet"] = len(save_refs(self.work, f"{fam}-unet", t))
            v = m["vae"]
            names["vae_encoder"] = len(save_refs(self.work, f"{fam}-vae_encoder", {
                "in.sample": x["image"], "out.latent_parameters": v.encode(x["image"]).latent_dist.parameters}))
            names["vae_decoder"] = len(save_refs(self.work, f"{fam}-vae_decoder", {
                "in.latent_sample": x["latent"], "out.sample": v.decode(x["latent"]).sample}))
            if "taesd" in m:
                tt = m["taesd"]
                names["taesd_encoder"] = len(save_refs(self.work, f"{fam}-taesd_encoder", {
                    "in.sample": x["image"], "out.latent_sample": tt.encode(x["image"]).latents}))
                names["taesd_decoder"] = len(save_refs(self.work, f"{fam}-taesd_decoder", {
                    "in.latent_sample": x["latent"], "out.sample": tt.decode(x["latent"]).sample}))
        if self.dev == "cuda":
            torch.cuda.synchronize()
        return {"refs": names}

    def save_folder(self):
        """save_pretrained of each module (moved to the CPU first), diffusers layout, fp32."""
        sizes = {}
        for sub, mod in self.m.items():
            mod.to("cpu")
            d = f"{self.work}/{self.fam}/{sub}"
            mod.save_pretrained(d)
            sizes[sub] = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        gc.collect()
        return {"bytes": sizes, "files": {s: sorted(os.listdir(f"{self.work}/{self.fam}/{s}")) for s in self.m}}

    def save_single(self):
        """One file with the original names (diffusers_safetensors.py's inverse maps, checked against
        diffusers' own single_file_utils converters), F16, with what real files also carry."""
        import torch
        import diffusers_safetensors as ds
        from diffusers.loaders import single_file_utils as sfu
        from safetensors.torch import save_file

        m = {k: v.to("cpu") for k, v in self.m.items()}
        sd = {k: v.state_dict() for k, v in m.items()}
        single = {}
        single.update(ds.unet_to_ldm(sd["unet"], m["unet"].config))
        single.update(ds.vae_to_ldm(sd["vae"], len(m["vae"].config.block_out_channels)))
        checks = {}
        if self.fam == "sdxl":
            pre1, pre2 = "conditioner.embedders.0.transformer.", "conditioner.embedders.1.model."
            # the real layout: CLIP-L under text_model. (transformers 4's names), with position_ids
            single.update({pre1 + k: v for k, v in ds.with_text_model(sd["text_encoder"]).items()})
            single[pre1 + "text_model.embeddings.position_ids"] = torch.arange(SEQ)[None]
            single.update(ds.openclip_to_ldm(sd["text_encoder_2"], pre2))
            single[pre2 + "logit_scale"] = torch.tensor(4.6052)
            clip_checks = [("clip-l", lambda: sfu.convert_ldm_clip_checkpoint(single), "text_encoder"),
                           ("open-clip-bigG", lambda: sfu.convert_open_clip_checkpoint(m["text_encoder_2"], single, prefix=pre2),
                            "text_encoder_2")]
        else:
            pre = "cond_stage_model.model."
            single.update(ds.openclip_to_ldm(sd["text_encoder"], pre))
            g = torch.Generator().manual_seed(21)
            single.update(sd2_openclip_extras(single, pre, lambda v: torch.randn(
                tuple(v.shape) if hasattr(v, "shape") else v, generator=g) * 0.02))
            clip_checks = [("open-clip-h", lambda: sfu.convert_open_clip_checkpoint(m["text_encoder"], single, prefix=pre),
                            "text_encoder")]
        # diffusers' own converters must map the file back to each state dict exactly
        for name, conv, sub in [("unet", lambda: sfu.convert_ldm_unet_checkpoint(single, m["unet"].config), "unet"),
                                ("vae", lambda: sfu.convert_ldm_vae_checkpoint(single, m["vae"].config), "vae")] + clip_checks:
            try:
                ds.check_same(f"{self.fam} {name}", conv(), sd[sub])
                checks[name] = "maps back exactly"
            except Exception as e:
                traceback.print_exc(file=sys.stderr)
                checks[name] = "FAILED: " + repr(e)[:300]
        half = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in single.items()}
        path = f"{self.work}/{self.fam}-single.safetensors"
        save_file(half, path, metadata={"format": "pt"})
        del half, single
        gc.collect()
        ok = all(v == "maps back exactly" for v in checks.values())
        if not ok:
            raise RuntimeError(f"single file written, but diffusers does not map it back: {checks}")
        return {"bytes": os.path.getsize(path), "diffusers_single_file_utils": checks}

    def lora(self):
        """A random LoRA on the UNet with peft (as the tiny script), saved by save_lora_adapter and
        under kohya SGM names; then diffusers' fuse_lora and the fused UNet's reference output."""
        import torch
        from peft import LoraConfig
        from peft.utils import get_peft_model_state_dict
        from safetensors.torch import save_file

        u = self.m["unet"].to(self.dev)
        u.add_adapter(LoraConfig(r=4, lora_alpha=8, init_lora_weights=False, target_modules=LORA_TARGETS))
        d = f"{self.work}/{self.fam}-lora"
        u.save_lora_adapter(d, weight_name="peft.safetensors")
        sd = get_peft_model_state_dict(u)
        kohya = {}
        for k, t in sd.items():
            mod, ab = k.rsplit(".lora_", 1)
            base = kohya_sgm_name(mod, u.config)
            kohya[base + (".lora_down.weight" if ab.startswith("A") else ".lora_up.weight")] = t.detach().cpu().contiguous()
            kohya[base + ".alpha"] = torch.tensor(8.0)
        save_file(kohya, f"{d}/kohya-sgm.safetensors")
        u.fuse_lora(lora_scale=LORA_SCALE)
        _, args, kw = self.unet_io()
        with torch.no_grad(), exact():
            out = u(*args, **kw).sample
        t = {k: v for k, v in self.unet_ref.items() if k.startswith("in.")}
        t["out.out_sample"] = out
        save_refs(self.work, f"{self.fam}-unet_lora", t)
        ref = self.unet_ref["out.out_sample"]
        change = float((out - ref).abs().max() / ref.abs().max())
        return {"modules": len(sd) // 2, "fused_vs_base_rel": change, "files": sorted(os.listdir(d))}


def cmd_make(a):
    import torch

    set_precision()
    dev = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
    mk = Maker(a.work, a.family, dev, a.tiny)
    versions = {"torch": torch.__version__, "device": dev,
                "gpu": torch.cuda.get_device_name() if dev == "cuda" else None}
    try:
        import diffusers
        import transformers

        versions.update(diffusers=diffusers.__version__, transformers=transformers.__version__)
        import peft

        versions["peft"] = peft.__version__
    except Exception as e:
        versions["import_error"] = repr(e)
    emit({"check": "make", "family": a.family, "step": "versions", "ok": True, **versions})
    if not mk.step("build", mk.build):
        return 1
    refs_ok = mk.step("inputs", mk.inputs) and mk.step("refs", mk.refs)
    mk.step("save_pretrained", mk.save_folder)
    if not a.no_single:
        mk.step("single_file", mk.save_single)
    if a.family == "sdxl" and not a.no_lora and refs_ok:
        mk.step("lora", mk.lora)
    mk.status["s"] = round(time.time() - T0, 1)
    with open(f"{a.work}/make-{a.family}.json", "w") as f:
        json.dump(mk.status, f, indent=1, default=str)
    return 0


# ------------------------------------------------------------------ compare

ORT_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(int32)": "int32",
             "tensor(int64)": "int64"}


def cmd_compare(a):
    import numpy as np
    import onnxruntime as ort
    from safetensors.numpy import load_file

    level = {"disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL, "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
             "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED, "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[a.ort_opt]
    bad = 0
    for model in a.models.split(","):
        rec = {"check": a.check or "ort_vs_torch", "family": a.family, "module": model, "source": a.source,
               "fp16": a.fp16, "tol": a.tol, "convert_s": a.convert_s, "ok": False}
        sess = None
        try:
            ref = load_file(f"{a.work}/refs/{a.family}-{a.ref or model}.safetensors")
            so = ort.SessionOptions()
            so.intra_op_num_threads, so.inter_op_num_threads = a.threads, 1
            so.graph_optimization_level = level
            t0 = time.time()
            sess = ort.InferenceSession(f"{a.onnx}/{model}/model.onnx", so, providers=["CPUExecutionProvider"])
            rec["load_s"] = round(time.time() - t0, 1)
            feeds = {}
            for i in sess.get_inputs():
                feeds[i.name] = ref["in." + i.name].astype(ORT_TYPES[i.type])
            t0 = time.time()
            outs = sess.run(None, feeds)
            rec["run_s"] = round(time.time() - t0, 2)
            per, worst, max_abs, ok, n = {}, 0.0, 0.0, True, 0
            for info, got in zip(sess.get_outputs(), outs):
                want = ref.get("out." + info.name)
                if want is None:
                    continue
                n += 1
                got64, want64 = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
                if got64.shape != want64.shape:
                    per[info.name] = f"shape {list(got64.shape)} != {list(want64.shape)}"
                    ok = False
                    continue
                if not np.isfinite(got64).all():
                    per[info.name] = "not finite"
                    ok = False
                    continue
                d = float(np.abs(got64 - want64).max())
                rel = d / max(float(np.abs(want64).max()), 1e-12)
                per[info.name] = float(f"{rel:.3g}")
                if rel >= worst:
                    worst, rec["worst_output"] = rel, info.name
                max_abs = max(max_abs, d)
                if info.name == "out_sample" and "peer.out_sample" in ref:
                    p = np.asarray(ref["peer.out_sample"], dtype=np.float64)
                    rec["torch_fp16_rel"] = float(np.abs(p - want64).max() / max(float(np.abs(want64).max()), 1e-12))
            if n == 0:
                raise RuntimeError("no output of the model is in the reference file")
            rec.update(rel=worst, max_abs=max_abs, ok=bool(ok and worst <= a.tol), outputs_compared=n)
            if len(per) <= 4:
                rec["outputs"] = per
            else:  # text encoders: every hidden state; keep the line short
                rec["outputs_over_tol"] = {k: v for k, v in per.items() if not isinstance(v, float) or v > a.tol}
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            rec["error"] = repr(e)[:800]
        bad += not rec["ok"]
        log(f"{a.family} {a.source} {model}: ok={rec['ok']} rel={rec.get('rel')} load={rec.get('load_s')}s")
        emit(rec)
        del sess
        gc.collect()
    return 1 if bad else 0


def cmd_identical(a):
    """Byte-identity of two conversions' model files, from their sidecars (conversion.json)."""
    def files(p):
        with open(p) as f:
            return {x["path"]: x["sha256"] for x in json.load(f)["files"]}

    try:
        ref, got = files(a.a), files(a.b)
    except Exception as e:
        emit({"check": "identical", "family": a.family, "source": a.source, "ok": False, "error": repr(e)[:500]})
        return 1
    models = sorted({p.split("/")[0] for p in got if p.endswith("/model.onnx")})
    bad = 0
    for mdl in models:
        mine = {p: s for p, s in got.items() if p.startswith(mdl + "/model.onnx")}
        same = all(ref.get(p) == s for p, s in mine.items())
        bad += not same
        emit({"check": "identical_to_diffusers_conversion", "family": a.family, "module": mdl, "source": a.source,
              "ok": same, "rel": 0.0 if same else None, "files": sorted(mine),
              "note": "sha256 of model.onnx[_data] equal to the diffusers-folder conversion's, whose outputs were compared"})
    return 1 if bad else 0


def cmd_summary(a):
    rows = []
    with open(a.results, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    ok = sum(1 for r in rows if r.get("ok") is True)
    fail = [r for r in rows if r.get("ok") is False]
    skipped = [r for r in rows if r.get("ok") is None]
    print(f"convert_check: {len(rows)} results: {ok} ok, {len(fail)} failed, {len(skipped)} skipped")
    print(f"{'check':34} {'family':6} {'source':10} {'module':15} {'ok':5} {'rel':>9} {'convert_s':>9} {'load_s':>6}")
    for r in rows:
        if r.get("check") == "make" and r.get("step") == "versions":
            continue
        rel = r.get("rel")
        print(f"{str(r.get('check'))[:34]:34} {str(r.get('family')):6} {str(r.get('source', r.get('step', ''))):10} "
              f"{str(r.get('module', '')):15} {str(r.get('ok')):5} {('%.2e' % rel) if isinstance(rel, float) else '-':>9} "
              f"{str(r.get('convert_s', r.get('s', ''))):>9} {str(r.get('load_s', '')):>6}"
              + (f"  {str(r.get('error') or r.get('skipped') or r.get('engine_says', ''))[-160:]}" if r.get("ok") is not True else ""))
    return 1 if fail or not ok else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("work")
    m.add_argument("--family", choices=["sdxl", "sd21"], required=True)
    m.add_argument("--device")
    m.add_argument("--no-lora", action="store_true")
    m.add_argument("--no-single", action="store_true")
    m.add_argument("--tiny", action="store_true", help="tiny configs: a smoke test of the whole path in seconds")
    c = sub.add_parser("compare")
    c.add_argument("work")
    c.add_argument("onnx")
    c.add_argument("--family", required=True)
    c.add_argument("--source", required=True)
    c.add_argument("--models", required=True)
    c.add_argument("--ref", help="reference name instead of the model's (unet_lora)")
    c.add_argument("--check")
    c.add_argument("--tol", type=float, default=1e-4)
    c.add_argument("--fp16", action="store_true")
    c.add_argument("--convert-s", type=float)
    c.add_argument("--threads", type=int, default=min(16, os.cpu_count() or 1))
    c.add_argument("--ort-opt", default="basic", choices=["disable", "basic", "extended", "all"])
    i = sub.add_parser("identical")
    i.add_argument("a")
    i.add_argument("b")
    i.add_argument("--family", required=True)
    i.add_argument("--source", required=True)
    s = sub.add_parser("summary")
    s.add_argument("results")
    a = p.parse_args()
    return {"make": cmd_make, "compare": cmd_compare, "identical": cmd_identical, "summary": cmd_summary}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
