#!/usr/bin/env python3
"""diffusers_goldens.py — golden outputs from diffusers itself for the engine's tests.

Builds tiny random-weight SDXL-shaped and SD-2.1-shaped pipelines with diffusers' and
transformers' own classes, exports every model with torch.onnx.export (opset 17,
dynamo=False, fp32) into the Optimum diffusers ONNX layout the engine reads, then runs
StableDiffusionXLImg2ImgPipeline / StableDiffusionImg2ImgPipeline on the CPU in float32
with generator=torch.Generator("cpu").manual_seed(S) and records images, the VAE sample,
the img2img noise, the noised start latents and the latents after every step. It also
writes torch.randn goldens and CLIPTokenizer goldens.

Usage (diffusers' source on PYTHONPATH; diffusers itself is never committed):
    PYTHONPATH=/tmp/diffusers/src python3 scripts/gpu/diffusers_goldens.py OUTDIR

Inputs: the tiny CLIP vocabularies in diffusers_goldens_in/ beside this file (written by
engine/diffusion/clip.WriteTinyVocab). Output: OUTDIR/{manifest.json, input.png, sdxl/, sd21/,
cases/*.npy, randn/*.npy, randn.json, tokenizer.json, tokenizer_rich/}.
"""

import json
import os
import platform
import shutil
import sys
import traceback
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from goldens_common import load_tokenizer, log, randn_goldens, save_npy, tokenizer_goldens  # noqa: E402

HERE = Path(__file__).resolve().parent
IN = HERE / "diffusers_goldens_in"
SIZE = 64


# ---------------------------------------------------------------- models

def tiny_models(kind):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    vocab = json.loads((IN / "tokenizer" / "vocab.json").read_text())
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]

    def clip_cfg(hidden, layers, heads, proj):
        c = CLIPTextConfig(bos_token_id=bos, eos_token_id=eos, pad_token_id=eos, hidden_size=hidden,
                           intermediate_size=37, layer_norm_eps=1e-5, num_attention_heads=heads,
                           num_hidden_layers=layers, vocab_size=1000, hidden_act="gelu", projection_dim=proj,
                           max_position_embeddings=77)
        try:
            c._attn_implementation = "eager"
        except Exception:  # noqa: BLE001
            pass
        return c

    m = {}
    if kind == "sdxl":
        torch.manual_seed(0)
        m["text_encoder"] = CLIPTextModel(clip_cfg(32, 3, 4, 32)).eval()
        torch.manual_seed(1)
        m["text_encoder_2"] = CLIPTextModelWithProjection(clip_cfg(48, 3, 4, 40)).eval()
        torch.manual_seed(2)
        m["unet"] = UNet2DConditionModel(
            block_out_channels=(16, 32), layers_per_block=1, sample_size=8, in_channels=4, out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            attention_head_dim=(2, 4), use_linear_projection=True, norm_num_groups=8,
            addition_embed_type="text_time", addition_time_embed_dim=8, transformer_layers_per_block=(1, 1),
            projection_class_embeddings_input_dim=6 * 8 + 40, cross_attention_dim=32 + 48).eval()
        torch.manual_seed(3)
        m["vae"] = AutoencoderKL(
            block_out_channels=[16, 16, 32, 32], in_channels=3, out_channels=3, latent_channels=4,
            down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
            layers_per_block=1, norm_num_groups=8, sample_size=SIZE, scaling_factor=0.13025).eval()
    else:
        torch.manual_seed(10)
        m["text_encoder"] = CLIPTextModel(clip_cfg(40, 3, 4, 40)).eval()
        torch.manual_seed(12)
        m["unet"] = UNet2DConditionModel(
            block_out_channels=(16, 32), layers_per_block=1, sample_size=16, in_channels=4, out_channels=4,
            down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
            attention_head_dim=(2, 4), use_linear_projection=True, norm_num_groups=8, cross_attention_dim=40).eval()
        torch.manual_seed(13)
        m["vae"] = AutoencoderKL(
            block_out_channels=[16, 32, 32], in_channels=3, out_channels=3, latent_channels=4,
            down_block_types=["DownEncoderBlock2D"] * 3, up_block_types=["UpDecoderBlock2D"] * 3,
            layers_per_block=1, norm_num_groups=8, sample_size=SIZE, scaling_factor=0.18215).eval()
    return m


class TextEnc(torch.nn.Module):
    def __init__(self, m, proj):
        super().__init__()
        self.m, self.proj = m, proj

    def forward(self, input_ids):
        o = self.m(input_ids=input_ids.to(torch.int64), output_hidden_states=True)
        first = (o.text_embeds, o.last_hidden_state) if self.proj else (o.last_hidden_state, o.pooler_output)
        return (*first, *o.hidden_states)


class UNetXL(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds, time_ids):
        return self.m(sample, timestep, encoder_hidden_states,
                      added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids}, return_dict=False)[0]


class UNetSD(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.m(sample, timestep, encoder_hidden_states, return_dict=False)[0]


class VAEEnc(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, sample):
        return self.m.encode(sample).latent_dist.parameters


class VAEDec(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, latent_sample):
        return self.m.decode(latent_sample, return_dict=False)[0]


def export(mod, args, path, inputs, outputs, dyn):
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(mod, args, str(path), opset_version=17, dynamo=False, input_names=inputs,
                          output_names=outputs, dynamic_axes=dyn, do_constant_folding=True)
    check = {}
    try:
        import onnxruntime as ort

        s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {n: a.numpy() for n, a in zip(inputs, args)}
        got = s.run(None, feed)
        with torch.no_grad():
            want = mod(*args)
        want = want if isinstance(want, tuple) else (want,)
        check = {"ort": ort.__version__,
                 "max_abs_diff": float(max(np.abs(g - w.numpy()).max() for g, w in zip(got, want)))}
    except Exception as e:  # noqa: BLE001
        check = {"ort_error": repr(e)}
    log(f"exported {path.parent.name}/{path.name} ({path.stat().st_size} bytes) {check}")
    return check


def export_folder(kind, m, d):
    checks = {}
    lat = SIZE // (2 ** (len(m["vae"].config.block_out_channels) - 1))
    ids = torch.randint(0, 528, (1, 77), generator=torch.Generator().manual_seed(5)).to(torch.int32)
    for name, proj in (("text_encoder", False), ("text_encoder_2", True)):
        if name not in m:
            continue
        n = m[name].config.num_hidden_layers
        first = ["text_embeds", "last_hidden_state"] if proj else ["last_hidden_state", "pooler_output"]
        outs = first + [f"hidden_states.{i}" for i in range(n + 1)]
        dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"}}
        for o in outs:
            dyn[o] = {0: "batch_size"} if o in ("text_embeds", "pooler_output") else {0: "batch_size", 1: "sequence_length"}
        checks[name] = export(TextEnc(m[name], proj), (ids,), d / name / "model.onnx", ["input_ids"], outs, dyn)
        m[name].config.to_json_file(str(d / name / "config.json"))
    unet = m["unet"]
    ctx = unet.config.cross_attention_dim
    sample = torch.randn(2, 4, lat, lat, generator=torch.Generator().manual_seed(6))
    ts = torch.tensor([999.0, 999.0], dtype=torch.float32)
    ehs = torch.randn(2, 77, ctx, generator=torch.Generator().manual_seed(7))
    dyn = {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "steps"},
           "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"}, "out_sample": {0: "batch_size", 2: "height", 3: "width"}}
    if kind == "sdxl":
        pooled = unet.config.projection_class_embeddings_input_dim - 6 * unet.config.addition_time_embed_dim
        te = torch.randn(2, pooled, generator=torch.Generator().manual_seed(8))
        tid = torch.tensor([[SIZE, SIZE, 0, 0, SIZE, SIZE]] * 2, dtype=torch.float32)
        dyn.update({"text_embeds": {0: "batch_size"}, "time_ids": {0: "batch_size"}})
        checks["unet"] = export(UNetXL(unet), (sample, ts, ehs, te, tid), d / "unet" / "model.onnx",
                                ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"], ["out_sample"], dyn)
    else:
        checks["unet"] = export(UNetSD(unet), (sample, ts, ehs), d / "unet" / "model.onnx",
                                ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], dyn)
    unet.save_config(str(d / "unet"))
    vae = m["vae"]
    img = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(9)) * 2 - 1
    checks["vae_encoder"] = export(VAEEnc(vae), (img,), d / "vae_encoder" / "model.onnx", ["sample"], ["latent_parameters"],
                                   {"sample": {0: "batch_size", 2: "height", 3: "width"},
                                    "latent_parameters": {0: "batch_size", 2: "height_latent", 3: "width_latent"}})
    z = torch.randn(1, 4, lat, lat, generator=torch.Generator().manual_seed(10))
    checks["vae_decoder"] = export(VAEDec(vae), (z,), d / "vae_decoder" / "model.onnx", ["latent_sample"], ["sample"],
                                   {"latent_sample": {0: "batch_size", 2: "height_latent", 3: "width_latent"},
                                    "sample": {0: "batch_size", 2: "height", 3: "width"}})
    vae.save_config(str(d / "vae_encoder"))
    vae.save_config(str(d / "vae_decoder"))
    return checks


# ---------------------------------------------------------------- pipelines

def scheduler(name, prediction="epsilon"):
    from diffusers import (DDIMScheduler, EulerAncestralDiscreteScheduler, EulerDiscreteScheduler, LCMScheduler,
                           TCDScheduler)

    base = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000,
                steps_offset=1, prediction_type=prediction)
    if name == "euler":
        return EulerDiscreteScheduler(**base, timestep_spacing="trailing")
    if name == "euler-ancestral":
        return EulerAncestralDiscreteScheduler(**base, timestep_spacing="trailing")
    if name == "ddim":
        return DDIMScheduler(**base, timestep_spacing="trailing", clip_sample=False, set_alpha_to_one=False)
    if name == "lcm":
        return LCMScheduler(**base, timestep_spacing="leading", clip_sample=False, set_alpha_to_one=False,
                            original_inference_steps=50)
    if name == "tcd":
        return TCDScheduler(**base, timestep_spacing="leading", clip_sample=False, set_alpha_to_one=False,
                            original_inference_steps=50)
    raise ValueError(name)


def build_pipe(kind, m):
    from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionXLImg2ImgPipeline

    tok1 = load_tokenizer(IN / ("tokenizer" if kind == "sdxl" else "tokenizer_2"),
                          "<|endoftext|>" if kind == "sdxl" else "!")
    sch = scheduler("euler")
    if kind == "sdxl":
        tok2 = load_tokenizer(IN / "tokenizer_2", "!")
        return StableDiffusionXLImg2ImgPipeline(
            vae=m["vae"], text_encoder=m["text_encoder"], text_encoder_2=m["text_encoder_2"], tokenizer=tok1,
            tokenizer_2=tok2, unet=m["unet"], scheduler=sch, requires_aesthetics_score=False,
            force_zeros_for_empty_prompt=True, add_watermarker=False)
    return StableDiffusionImg2ImgPipeline(
        vae=m["vae"], text_encoder=m["text_encoder"], tokenizer=tok1, unet=m["unet"], scheduler=sch,
        safety_checker=None, feature_extractor=None, image_encoder=None, requires_safety_checker=False)


def cases_for(kind):
    P, N = "a photo of a cat", "the dog"
    rows = [
        # scheduler, steps, strength, seed, guidance, negative, eta
        ("euler", 4, 1.0, 0, 1.0, None, 0.0), ("euler", 2, 0.5, 1, 1.0, None, 0.0),
        ("euler", 3, 0.75, 42, 3.0, N, 0.0), ("euler", 1, 1.0, 7, 1.0, None, 0.0),
        ("euler", 4, 0.25, 3, 3.0, None, 0.0),
        ("euler-ancestral", 4, 1.0, 0, 1.0, None, 0.0), ("euler-ancestral", 2, 0.5, 42, 1.0, None, 0.0),
        ("euler-ancestral", 3, 0.6, 5, 3.0, N, 0.0), ("euler-ancestral", 1, 1.0, 9, 1.0, None, 0.0),
        ("ddim", 4, 1.0, 0, 1.0, None, 0.0), ("ddim", 2, 0.5, 1, 3.0, N, 0.0), ("ddim", 3, 0.9, 11, 1.0, None, 0.0),
        ("lcm", 4, 1.0, 0, 1.0, None, 0.0), ("lcm", 2, 0.5, 42, 1.0, None, 0.0), ("lcm", 3, 0.75, 3, 3.0, N, 0.0),
        ("tcd", 4, 1.0, 0, 1.0, None, 0.3), ("tcd", 2, 0.5, 42, 1.0, None, 0.3), ("tcd", 4, 0.5, 3, 3.0, N, 0.3),
        ("tcd", 3, 1.0, 8, 1.0, None, 0.0),
    ]
    out = [dict(scheduler=s, steps=n, strength=st, seed=sd, guidance=g, negative=neg, eta=eta, prompt=P,
                prediction="epsilon") for s, n, st, sd, g, neg, eta in rows]
    if kind == "sd21":
        out += [dict(scheduler="euler", steps=2, strength=1.0, seed=4, guidance=1.0, negative=None, eta=0.0, prompt=P,
                     prediction="v_prediction"),
                dict(scheduler="ddim", steps=3, strength=0.8, seed=6, guidance=3.0, negative=N, eta=0.0, prompt=P,
                     prediction="v_prediction")]
    return out


def run_case(pipe, kind, c, image, cdir, cid):
    sch = scheduler(c["scheduler"], c["prediction"])
    pipe.scheduler = sch
    rec = {"noise": [], "steps": [], "timesteps": []}
    orig_add = sch.add_noise

    def add_noise(original, noise, timesteps):
        res = orig_add(original, noise, timesteps)
        rec["noise"].append((original.detach().clone(), noise.detach().clone(), res.detach().clone()))
        return res

    sch.add_noise = add_noise
    embeds = {}
    orig_enc = pipe.encode_prompt

    def encode_prompt(*a, **k):
        res = orig_enc(*a, **k)
        embeds["v"] = res
        return res

    pipe.encode_prompt = encode_prompt

    def cb(p, i, t, kw):
        rec["steps"].append(kw["latents"].detach().clone())
        rec["timesteps"].append(float(t))
        return kw

    kwargs = dict(prompt=c["prompt"], image=image, strength=c["strength"], num_inference_steps=c["steps"],
                  guidance_scale=c["guidance"], negative_prompt=c["negative"], eta=c["eta"],
                  generator=torch.Generator("cpu").manual_seed(c["seed"]), output_type="np",
                  callback_on_step_end=cb, callback_on_step_end_tensor_inputs=["latents"])
    try:
        with torch.no_grad():
            img = pipe(**kwargs).images[0]
    finally:
        del pipe.encode_prompt
    files = {"image": save_npy(cdir / f"{cid}_image.npy", img)}
    if rec["noise"]:
        x0, noise, noised = rec["noise"][0]
        files["x0"] = save_npy(cdir / f"{cid}_x0.npy", x0.numpy())
        files["noise"] = save_npy(cdir / f"{cid}_noise.npy", noise.numpy())
        files["noised"] = save_npy(cdir / f"{cid}_noised.npy", noised.numpy())
    files["steps"] = [save_npy(cdir / f"{cid}_step{i}.npy", s.numpy()) for i, s in enumerate(rec["steps"])]
    if "v" in embeds:
        e = embeds["v"]
        files["prompt_embeds"] = save_npy(cdir / f"{cid}_prompt_embeds.npy", e[0].numpy())
        if e[1] is not None and c["guidance"] > 1:
            files["negative_prompt_embeds"] = save_npy(cdir / f"{cid}_negative_prompt_embeds.npy", e[1].numpy())
        if kind == "sdxl":
            files["pooled"] = save_npy(cdir / f"{cid}_pooled.npy", e[2].numpy())
            if e[3] is not None and c["guidance"] > 1:
                files["negative_pooled"] = save_npy(cdir / f"{cid}_negative_pooled.npy", e[3].numpy())
    return {"files": files, "timesteps": rec["timesteps"], "scheduler_config": json.loads(sch.to_json_string()),
            "all_timesteps": [float(t) for t in sch.timesteps]}


def input_image(path):
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) / (SIZE - 1)
    rng = np.random.RandomState(77)
    r = 255 * (0.5 + 0.5 * np.sin(6.0 * x + 2.0 * y))
    g = 255 * y
    b = 255 * (((x * 8).astype(int) + (y * 8).astype(int)) % 2) * 0.8 + 20
    img = np.stack([r, g, b], -1) + rng.randint(-12, 13, (SIZE, SIZE, 3))
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").save(path)
    return Image.open(path).convert("RGB")


def main():
    if len(sys.argv) != 2:
        print("usage: diffusers_goldens.py OUTDIR", file=sys.stderr)
        return 2
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(min(8, os.cpu_count() or 1))
    import diffusers
    import transformers

    manifest = {"versions": {"python": platform.python_version(), "torch": torch.__version__,
                             "diffusers": diffusers.__version__, "transformers": transformers.__version__,
                             "numpy": np.__version__},
                "size": SIZE, "errors": [], "models": {}, "cases": []}
    log("versions", manifest["versions"])
    for step in (randn_goldens, tokenizer_goldens):
        try:
            step(out)
        except Exception as e:  # noqa: BLE001
            manifest["errors"].append({"step": step.__name__, "error": repr(e), "trace": traceback.format_exc()})
            log(f"FAILED {step.__name__}: {e!r}")
    image = input_image(out / "input.png")
    cdir = out / "cases"
    cdir.mkdir(exist_ok=True)
    for kind in ("sdxl", "sd21"):
        d = out / kind
        try:
            m = tiny_models(kind)
            info = {"params": {k: sum(p.numel() for p in v.parameters()) for k, v in m.items()}}
            info["export"] = export_folder(kind, m, d)
            toks = [("tokenizer", "tokenizer"), ("tokenizer_2", "tokenizer_2")] if kind == "sdxl" else [("tokenizer_2", "tokenizer")]
            for src, dst in toks:
                shutil.copytree(IN / src, d / dst, dirs_exist_ok=True)
            (d / "scheduler").mkdir(exist_ok=True)
            (d / "scheduler" / "scheduler_config.json").write_text(scheduler("euler").to_json_string())
            pipe = build_pipe(kind, m)
            pipe.set_progress_bar_config(disable=True)
            (d / "model_index.json").write_text(json.dumps(dict(pipe.config), indent=2, default=str))
            info["vae_scale_factor"] = pipe.vae_scale_factor
            manifest["models"][kind] = info
            log(f"{kind}: params {info['params']}")
        except Exception as e:  # noqa: BLE001
            manifest["errors"].append({"step": f"build {kind}", "error": repr(e), "trace": traceback.format_exc()})
            log(f"FAILED build {kind}: {e!r}\n{traceback.format_exc()}")
            continue
        for i, c in enumerate(cases_for(kind)):
            cid = f"{kind}_{i:02d}_{c['scheduler']}"
            entry = dict(c, id=cid, model=kind)
            try:
                entry.update(run_case(pipe, kind, c, image, cdir, cid))
                log(f"case {cid}: steps {c['steps']} strength {c['strength']} seed {c['seed']} guidance {c['guidance']} "
                    f"timesteps {entry['timesteps']}")
            except Exception as e:  # noqa: BLE001
                entry["error"] = repr(e)
                entry["trace"] = traceback.format_exc()
                log(f"FAILED case {cid}: {e!r}\n{entry['trace']}")
            manifest["cases"].append(entry)
            (out / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    bad = sum(1 for c in manifest["cases"] if "error" in c)
    log(f"done: {len(manifest['cases'])} cases ({bad} failed), {len(manifest['errors'])} other errors, {total} bytes in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
