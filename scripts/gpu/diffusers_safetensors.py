"""Tiny SDXL and SD 2.1 checkpoints with random weights, made by diffusers/transformers/peft,
and the reference outputs of every module on fixed inputs.

Usage: PYTHONPATH=/path/to/diffusers/src python3 diffusers_safetensors.py OUTDIR

Writes (all safetensors, fp32):
  OUTDIR/sdxl/{unet,vae,text_encoder,text_encoder_2,taesd}/  save_pretrained (config.json + weights)
  OUTDIR/sdxl-single.safetensors     SGM names (model.diffusion_model., first_stage_model.,
                                     conditioner.embedders.{0,1}.), checked by mapping it back with
                                     diffusers' own single_file_utils converters
  OUTDIR/sd21/{unet,vae,text_encoder}/, OUTDIR/sd21-single.safetensors (cond_stage_model.model.)
  OUTDIR/lora/peft.safetensors       unet.save_lora_adapter (peft names, lora_adapter_metadata)
  OUTDIR/lora/kohya.safetensors      the same LoRA as lora_unet_*.lora_down/lora_up/alpha
  OUTDIR/refs/<name>.safetensors     inputs and outputs of each module (names in the file)
  (a UNet-only file, as sdxl_lightning_4step_unet.safetensors, is OUTDIR/sdxl/unet's weights file)
"""

import copy
import json
import os
import sys

import torch
from safetensors.torch import save_file

from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel
from diffusers.loaders import single_file_utils as sfu
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

# convert_check.py imports the name maps below; only the script itself writes OUT.
OUT = sys.argv[1] if __name__ == "__main__" else None
if __name__ == "__main__":
    torch.manual_seed(0)
SEQ = 77


def perturb(model, scale=0.1):
    """Every parameter gets random noise, so zero-initialised biases and unit norms are tested too."""
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=g) * scale)
    return model.eval()


def clip(hidden, layers, heads, inter, act, proj=None):
    cfg = CLIPTextConfig(vocab_size=1000, hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                         num_attention_heads=heads, max_position_embeddings=SEQ, hidden_act=act,
                         layer_norm_eps=1e-5, projection_dim=proj or hidden, bos_token_id=0, eos_token_id=999,
                         pad_token_id=1)
    cls = CLIPTextModelWithProjection if proj else CLIPTextModel
    return perturb(cls(cfg))


def vae():
    return perturb(AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
                                 block_out_channels=(16, 32), norm_num_groups=8, sample_size=32,
                                 down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                                 scaling_factor=0.13025))


def save_refs(name, tensors):
    os.makedirs(f"{OUT}/refs", exist_ok=True)
    save_file({k: v.detach().float().contiguous() for k, v in tensors.items()}, f"{OUT}/refs/{name}.safetensors")


def token_ids(batch=2, seed=5):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, 999, (batch, SEQ), generator=g)
    for b in range(batch):  # "EOS" is the largest id (999), then padding with it, as CLIP's tokenizer 1 does
        ids[b, 10 + 7 * b:] = 999
    return ids


def text_refs(name, model, ids):
    with torch.no_grad():
        o = model(input_ids=ids, output_hidden_states=True)
    t = {"input_ids": ids.float(), "last_hidden_state": o.last_hidden_state}
    if hasattr(o, "text_embeds"):
        t["text_embeds"] = o.text_embeds
    else:
        t["pooler_output"] = o.pooler_output
    for i, h in enumerate(o.hidden_states):
        t[f"hidden_states.{i}"] = h
    save_refs(name, t)


def vae_refs(name, v, size):
    g = torch.Generator().manual_seed(7)
    x = torch.rand(2, 3, size, size, generator=g) * 2 - 1
    z = torch.randn(2, 4, size // 2, size // 2, generator=g)
    with torch.no_grad():
        params = v.encode(x).latent_dist.parameters
        dec = v.decode(z).sample
    save_refs(name, {"sample": x, "latent_parameters": params, "latent_sample": z, "decoded": dec})


def unet_refs(name, u, size, ctx, pooled=None):
    g = torch.Generator().manual_seed(9)
    t = {"sample": torch.randn(2, 4, size, size, generator=g), "timestep": torch.tensor([999.0, 249.0]),
         "encoder_hidden_states": torch.randn(2, SEQ, ctx, generator=g)}
    kw = {}
    if pooled:
        t["text_embeds"] = torch.randn(2, pooled, generator=g)
        t["time_ids"] = torch.tensor([[64.0, 64, 0, 0, 64, 64], [48.0, 80, 8, 16, 64, 64]])
        kw["added_cond_kwargs"] = {"text_embeds": t["text_embeds"], "time_ids": t["time_ids"]}
    with torch.no_grad():
        t["out_sample"] = u(t["sample"], t["timestep"], t["encoder_hidden_states"], **kw).sample
    save_refs(name, t)
    return t


# ---- diffusers → SGM/ldm names (the inverse of single_file_utils), checked against it ----

RESNET_TO_LDM = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("norm2", "out_layers.0"),
                 ("conv2", "out_layers.3"), ("time_emb_proj", "emb_layers.1"), ("conv_shortcut", "skip_connection")]


def unet_to_ldm(sd, cfg):
    lpb = cfg["layers_per_block"]
    out = {}
    top = {v: k for v, k in [(a, b) for a, b in sfu.DIFFUSERS_TO_LDM_MAPPING["unet"]["layers"].items()]}
    top.update(sfu.DIFFUSERS_TO_LDM_MAPPING["unet"]["addition_embed_type"])
    for k, v in sd.items():
        if k in top:
            out[top[k]] = v
            continue
        p = k.split(".")
        if p[0] == "down_blocks":
            b, kind, j = int(p[1]), p[2], int(p[3])
            rest = ".".join(p[4:])
            if kind == "downsamplers":
                out[f"input_blocks.{(b + 1) * (lpb + 1)}.0.op.{'.'.join(p[5:])}"] = v
                continue
            i = b * (lpb + 1) + j + 1
            sub = 0 if kind == "resnets" else 1
        elif p[0] == "up_blocks":
            b, kind, j = int(p[1]), p[2], int(p[3])
            rest = ".".join(p[4:])
            if kind == "upsamplers":
                i = b * (lpb + 1) + lpb
                has_attn = any(x.startswith(f"up_blocks.{b}.attentions.") for x in sd)
                out[f"output_blocks.{i}.{2 if has_attn else 1}.{'.'.join(p[4:])}"] = v
                continue
            i = b * (lpb + 1) + j
            sub = 0 if kind == "resnets" else 1
        elif p[0] == "mid_block":
            kind, j = p[1], int(p[2])
            rest = ".".join(p[3:])
            idx = 2 * j if kind == "resnets" else 1
            if kind == "resnets":
                for a, b2 in RESNET_TO_LDM:
                    rest = rest.replace(a, b2)
            out[f"middle_block.{idx}.{rest}"] = v
            continue
        else:
            raise KeyError(k)
        if kind == "resnets":
            for a, b2 in RESNET_TO_LDM:
                rest = rest.replace(a, b2)
        blk = "input_blocks" if p[0] == "down_blocks" else "output_blocks"
        out[f"{blk}.{i}.{sub}.{rest}"] = v
    return {"model.diffusion_model." + k: v for k, v in out.items()}


def vae_to_ldm(sd, nblocks):
    out = {}
    top = {k: v for k, v in sfu.DIFFUSERS_TO_LDM_MAPPING["vae"].items()}
    attn = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}
    for k, v in sd.items():
        if k in top:
            out[top[k]] = v
            continue
        p = k.split(".")
        side = p[0]
        if p[1] == "down_blocks":
            i = int(p[2])
            if p[3] == "downsamplers":
                n = f"{side}.down.{i}.downsample.{'.'.join(p[6:])}"
                n = f"{side}.down.{i}.downsample.conv.{p[-1]}"
            else:
                n = f"{side}.down.{i}.block.{p[4]}.{'.'.join(p[5:])}"
        elif p[1] == "up_blocks":
            i = nblocks - 1 - int(p[2])
            if p[3] == "upsamplers":
                n = f"{side}.up.{i}.upsample.conv.{p[-1]}"
            else:
                n = f"{side}.up.{i}.block.{p[4]}.{'.'.join(p[5:])}"
        elif p[1] == "mid_block" and p[2] == "resnets":
            n = f"{side}.mid.block_{int(p[3]) + 1}.{'.'.join(p[4:])}"
        elif p[1] == "mid_block" and p[2] == "attentions":
            rest = ".".join(p[4:])
            for a, b in attn.items():
                rest = rest.replace(a + ".", b + ".")
            n = f"{side}.mid.attn_1.{rest}"
            if v.ndim == 2:
                v = v[:, :, None, None]  # ldm stores these as 1×1 convolutions
        else:
            raise KeyError(k)
        out[n.replace("conv_shortcut", "nin_shortcut")] = v
    return {"first_stage_model." + k: v for k, v in out.items()}


def with_text_model(sd):
    """transformers 5's CLIPTextModel state dict has no text_model. prefix; 4.x and the WithProjection model do."""
    return {(k if k.startswith("text_model.") or k.startswith("text_projection") else "text_model." + k): v
            for k, v in sd.items()}


def openclip_to_ldm(sd, prefix):
    out = {}
    layers = {}
    for k, v in with_text_model(sd).items():
        if k == "text_model.embeddings.position_embedding.weight":
            out["positional_embedding"] = v
        elif k == "text_model.embeddings.token_embedding.weight":
            out["token_embedding.weight"] = v
        elif k.startswith("text_model.final_layer_norm."):
            out["ln_final." + k.split(".")[-1]] = v
        elif k == "text_projection.weight":
            out["text_projection"] = v.T.contiguous()
        elif k.startswith("text_model.encoder.layers."):
            p = k.split(".")
            n, rest = int(p[3]), ".".join(p[4:])
            if rest.startswith("self_attn.") and rest.split(".")[1] in ("q_proj", "k_proj", "v_proj"):
                layers.setdefault((n, p[-1]), {})[rest.split(".")[1]] = v
                continue
            rest = (rest.replace("layer_norm1", "ln_1").replace("layer_norm2", "ln_2").replace("mlp.fc1", "mlp.c_fc")
                    .replace("mlp.fc2", "mlp.c_proj").replace("self_attn.out_proj", "attn.out_proj"))
            out[f"transformer.resblocks.{n}.{rest}"] = v
        elif k.endswith("position_ids"):
            continue
        else:
            raise KeyError(k)
    for (n, kind), qkv in layers.items():
        out[f"transformer.resblocks.{n}.attn.in_proj_{kind}"] = torch.cat([qkv["q_proj"], qkv["k_proj"], qkv["v_proj"]])
    return {prefix + k: v for k, v in out.items()}


def check_same(name, got, want):
    want = {k: v for k, v in with_text_model(want).items() if not k.endswith("position_ids")}
    got = {k: v for k, v in with_text_model(got).items() if not k.endswith("position_ids")}
    assert set(got) == set(want), (name, sorted(set(got) ^ set(want))[:10])
    for k in want:
        assert torch.equal(got[k].reshape(want[k].shape), want[k]), (name, k)
    print(f"{name}: single-file names map back exactly with diffusers' single_file_utils ({len(want)} tensors)")


def sdxl():
    te1 = clip(32, 3, 4, 37, "quick_gelu")
    te2 = clip(48, 3, 4, 64, "gelu", proj=40)
    unet = perturb(UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), transformer_layers_per_block=(1, 2), use_linear_projection=True,
        cross_attention_dim=80, addition_embed_type="text_time", addition_time_embed_dim=8,
        projection_class_embeddings_input_dim=8 * 6 + 40, norm_num_groups=8), 0.05)
    v = vae()
    taesd = perturb(AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                                    num_encoder_blocks=(1, 2, 2, 2), num_decoder_blocks=(2, 2, 2, 1)))
    for sub, m in [("text_encoder", te1), ("text_encoder_2", te2), ("unet", unet), ("vae", v), ("taesd", taesd)]:
        m.save_pretrained(f"{OUT}/sdxl/{sub}")
    ids = token_ids()
    text_refs("sdxl-text_encoder", te1, ids)
    text_refs("sdxl-text_encoder_2", te2, ids)
    vae_refs("sdxl-vae", v, 16)
    unet_refs("sdxl-unet", unet, 8, 80, 40)
    g = torch.Generator().manual_seed(11)
    x = torch.rand(2, 3, 32, 32, generator=g) * 2 - 1
    z = torch.randn(2, 4, 4, 4, generator=g)
    with torch.no_grad():
        save_refs("sdxl-taesd", {"sample": x, "latent_sample_enc": taesd.encode(x).latents,
                                 "latent_sample": z, "decoded": taesd.decode(z).sample})

    single = {}
    single.update(unet_to_ldm(unet.state_dict(), unet.config))
    single.update(vae_to_ldm(v.state_dict(), 2))
    single.update({"conditioner.embedders.0.transformer." + k: t for k, t in te1.state_dict().items()})
    single.update(openclip_to_ldm(te2.state_dict(), "conditioner.embedders.1.model."))
    check_same("sdxl unet", sfu.convert_ldm_unet_checkpoint(single, unet.config), unet.state_dict())
    check_same("sdxl vae", sfu.convert_ldm_vae_checkpoint(single, v.config), v.state_dict())
    check_same("sdxl clip-l", sfu.convert_ldm_clip_checkpoint(single), te1.state_dict())
    check_same("sdxl open-clip", sfu.convert_open_clip_checkpoint(te2, single, prefix="conditioner.embedders.1.model."),
               te2.state_dict())
    save_file({k: t.contiguous() for k, t in single.items()}, f"{OUT}/sdxl-single.safetensors")
    # a UNet-only file (as sdxl_lightning_4step_unet.safetensors) is sdxl/unet's weights file itself
    return unet


def lora(unet):
    from peft import LoraConfig

    u = copy.deepcopy(unet)
    u.add_adapter(LoraConfig(r=4, lora_alpha=8, init_lora_weights=False,
                             target_modules=["to_q", "to_k", "to_v", "to_out.0", "proj_in", "ff.net.2", "conv1",
                                             "time_emb_proj"]))
    u.save_lora_adapter(f"{OUT}/lora", weight_name="peft.safetensors")
    from peft.utils import get_peft_model_state_dict
    sd = get_peft_model_state_dict(u)
    kohya = {}
    for k, t in sd.items():
        mod, ab = k.rsplit(".lora_", 1)
        base = "lora_unet_" + mod.replace(".", "_")
        kohya[base + (".lora_down.weight" if ab.startswith("A") else ".lora_up.weight")] = t.contiguous()
        kohya[base + ".alpha"] = torch.tensor(8.0)
    save_file(kohya, f"{OUT}/lora/kohya.safetensors")
    save_file({"unet." + k: t.contiguous() for k, t in sd.items()}, f"{OUT}/lora/pipeline.safetensors")
    u.fuse_lora(lora_scale=0.7)
    unet_refs("sdxl-unet-lora0.7", u, 8, 80, 40)


def sd21():
    te = clip(32, 3, 4, 37, "gelu")
    unet = perturb(UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(16, 32, 32, 32),
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        attention_head_dim=(2, 4, 4, 4), use_linear_projection=True, cross_attention_dim=32, norm_num_groups=8), 0.05)
    v = vae()
    for sub, m in [("text_encoder", te), ("unet", unet), ("vae", v)]:
        m.save_pretrained(f"{OUT}/sd21/{sub}")
    text_refs("sd21-text_encoder", te, token_ids())
    vae_refs("sd21-vae", v, 16)
    unet_refs("sd21-unet", unet, 16, 32)
    single = {}
    single.update(unet_to_ldm(unet.state_dict(), unet.config))
    single.update(vae_to_ldm(v.state_dict(), 2))
    single.update(openclip_to_ldm(te.state_dict(), "cond_stage_model.model."))
    check_same("sd21 unet", sfu.convert_ldm_unet_checkpoint(single, unet.config), unet.state_dict())
    check_same("sd21 vae", sfu.convert_ldm_vae_checkpoint(single, v.config), v.state_dict())
    check_same("sd21 open-clip", sfu.convert_open_clip_checkpoint(te, single, prefix="cond_stage_model.model."),
               te.state_dict())
    save_file({k: t.contiguous() for k, t in single.items()}, f"{OUT}/sd21-single.safetensors")


if __name__ == "__main__":
    import traceback

    failed = []
    u = None
    for name, step in [("sdxl", sdxl), ("sd21", sd21), ("lora", lambda: lora(u))]:
        try:
            r = step()
            if name == "sdxl":
                u = r
        except Exception:  # keep going: every part that works is useful on its own
            traceback.print_exc()
            failed.append(name)
    print("failed:", failed)
    with open(f"{OUT}/versions.json", "w") as f:
        import diffusers
        import transformers
        json.dump({"torch": torch.__version__, "diffusers": diffusers.__version__,
                   "transformers": transformers.__version__}, f)
    print("done")
