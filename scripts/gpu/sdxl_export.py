"""Export real-architecture SDXL (random weights) into the Optimum diffusers ONNX layout.

usage: PYTHONPATH=/tmp/diffusers/src:. python3 sdxl_export.py OUT TINY_DIR [--static] [--no-text] [--unet-only --fp32]
  OUT      folder to write (text_encoder*/, unet/, vae_encoder/, vae_decoder/, taesd_*/)
  TINY_DIR a folder from `vivid-ml-engine models make-tiny-sdxl` for tokenizer/ and scheduler/
           (its ids are < 49408, valid for the real embedding tables; the weights are random anyway)

torch.onnx.export, opset 17, dynamo=False (as Optimum exports). UNet, VAE and TAESD in fp16
on the GPU; the text encoders in fp32 (torch's fp16 export of transformers 5's CLIP is invalid
for ONNX Runtime: LayerNormalization with mixed float/float16). Input/output names are Optimum's.
"""
import json, os, shutil, sys, time
import torch
import sdxl_modules

out, tiny = sys.argv[1], sys.argv[2]
# --static: no dynamic axes (batch 1, 512²): shape subgraphs fold away, which the CUDA
# provider's graph capture needs. --no-text: leave the text encoders out (link them).
static, no_text = "--static" in sys.argv, "--no-text" in sys.argv
# --unet-only --fp32: only the UNet, in fp32 (the input of ort_optimize.py, which fuses, then casts to fp16).
unet_only, fp32 = "--unet-only" in sys.argv, "--fp32" in sys.argv
no_text = no_text or unet_only
os.makedirs(out, exist_ok=True)
for sub in ("tokenizer", "tokenizer_2", "scheduler"):
    shutil.copytree(os.path.join(tiny, sub), os.path.join(out, sub), dirs_exist_ok=True)
shutil.copy(os.path.join(tiny, "model_index.json"), out)
dev = "cuda"
mods = sdxl_modules.build(0)


def export(module, args, path, inputs, outputs, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    t0 = time.time()
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs,
                      dynamic_axes=None if static else axes, opset_version=17, dynamo=False, do_constant_folding=True)
    print(json.dumps({"export": path, "s": round(time.time() - t0, 1)}), flush=True)


class TextEnc(torch.nn.Module):
    def __init__(self, m, proj):
        super().__init__()
        self.m, self.proj = m, proj

    def forward(self, ids):
        o = self.m(input_ids=ids.long(), output_hidden_states=True)
        first = o.text_embeds if self.proj else o.pooler_output
        return (first, o.last_hidden_state) + tuple(o.hidden_states) if self.proj else \
               (o.last_hidden_state, first) + tuple(o.hidden_states)


ids = torch.zeros(1, 77, dtype=torch.int32, device=dev)
for name, proj in () if no_text else (("text_encoder", False), ("text_encoder_2", True)):
    m = mods[name].to(dev)
    n = m.config.num_hidden_layers
    heads = ["text_embeds", "last_hidden_state"] if proj else ["last_hidden_state", "pooler_output"]
    outs = heads + [f"hidden_states.{i}" for i in range(n + 1)]
    export(TextEnc(m, proj), (ids,), f"{out}/{name}/model.onnx", ["input_ids"], outs,
           {"input_ids": {0: "batch_size"}})
    json.dump(m.config.to_dict(), open(f"{out}/{name}/config.json", "w"), default=str)
    mods[name] = m.cpu()


class UNet(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds, time_ids):
        return self.m(sample, timestep, encoder_hidden_states,
                      added_cond_kwargs={"text_embeds": text_embeds, "time_ids": time_ids}).sample


h = torch.float32 if fp32 else torch.float16
unet = mods["unet"].to(dev, h)
args = (torch.randn(1, 4, 64, 64, device=dev, dtype=h), torch.tensor([999.0], device=dev),
        torch.randn(1, 77, 2048, device=dev, dtype=h), torch.randn(1, 1280, device=dev, dtype=h),
        sdxl_modules.time_ids(512).to(dev, h))
export(UNet(unet), args, f"{out}/unet/model.onnx",
       ["sample", "timestep", "encoder_hidden_states", "text_embeds", "time_ids"], ["out_sample"],
       {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "steps"},
        "encoder_hidden_states": {0: "batch_size"}, "text_embeds": {0: "batch_size"}, "time_ids": {0: "batch_size"}})
json.dump(dict(unet.config), open(f"{out}/unet/config.json", "w"), default=str)
mods["unet"] = unet.cpu()
del unet
torch.cuda.empty_cache()


class Enc(torch.nn.Module):
    def __init__(self, m, tiny):
        super().__init__()
        self.m, self.tiny = m, tiny

    def forward(self, sample):
        e = self.m.encode(sample)
        return e.latents if self.tiny else e.latent_dist.parameters


class Dec(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, z):
        return self.m.decode(z).sample


img_axes = {0: "batch_size", 2: "height", 3: "width"}
for key, prefix, tiny_vae in () if unet_only else (("vae", "vae", False), ("taesd", "taesd", True)):
    m = mods[key].to(dev, h)
    lat = "latent_sample" if tiny_vae else "latent_parameters"
    export(Enc(m, tiny_vae), (torch.randn(1, 3, 512, 512, device=dev, dtype=h),), f"{out}/{prefix}_encoder/model.onnx",
           ["sample"], [lat], {"sample": img_axes, lat: img_axes})
    export(Dec(m), (torch.randn(1, 4, 64, 64, device=dev, dtype=h),), f"{out}/{prefix}_decoder/model.onnx",
           ["latent_sample"], ["sample"], {"latent_sample": img_axes, "sample": img_axes})
    cfg = dict(m.config)
    if tiny_vae:
        cfg["scaling_factor"] = 1.0
    for part in ("encoder", "decoder"):
        json.dump(cfg, open(f"{out}/{prefix}_{part}/config.json", "w"), default=str)
    mods[key] = m.cpu()
print(json.dumps({"export": out, "done": True}), flush=True)
