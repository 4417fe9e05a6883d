"""Torch peer for the engine's SDXL numbers: the same real-architecture modules
(sdxl_modules.py, random weights) timed in torch on the same GPU, fp16, batch 1, 512².

usage: PYTHONPATH=/tmp/diffusers/src:. python3 torch_peer.py [--no-compile]
Prints one JSON line per measurement: UNet step eager and torch.compile(mode="reduce-overhead"),
VAE encode/decode, TAESD encode/decode, CLIP-L + bigG (fp32 and fp16), and the 4-step
img2img (strength 1: encode, 4 Euler steps, decode) end to end with TAESD and the full VAE,
eager and with the compiled UNet; peak VRAM of the fp16 pipeline, as torch counts it
(max_memory_allocated, max_memory_reserved) and as the engine's bench does (device memory in
use, total − free, over the first sample after the CUDA context exists).
"""
import json, sys, time
import torch
import sdxl_modules

dev, h = "cuda", torch.float16
compile_unet = "--no-compile" not in sys.argv
torch.backends.cuda.matmul.allow_tf32 = True
torch.backends.cudnn.allow_tf32 = True
torch.zeros(1, device=dev)
free0, _ = torch.cuda.mem_get_info()  # the baseline: CUDA context, no model (build() fills the GPU)
mods = sdxl_modules.build(0)


def bench(name, fn, n=20, warm=3, **extra):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(n):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    ts.sort()
    r = {"peer": "torch " + torch.__version__, "what": name, "p50_ms": round(ts[len(ts) // 2], 3),
         "min_ms": round(ts[0], 3), "n": n, **extra}
    print(json.dumps(r), flush=True)
    return r


with torch.inference_mode():
    ids = torch.zeros(1, 77, dtype=torch.long, device=dev)
    for dt, tag in ((torch.float32, "fp32"), (h, "fp16")):
        te1, te2 = mods["text_encoder"].to(dev, dt), mods["text_encoder_2"].to(dev, dt)
        bench(f"clip-l+bigG text encode {tag}", lambda: (te1(ids, output_hidden_states=True), te2(ids, output_hidden_states=True)))
    te1, te2 = te1.cpu(), te2.cpu()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()

    unet = mods["unet"].to(dev, h)
    vae, taesd = mods["vae"].to(dev, h), mods["taesd"].to(dev, h)
    x = torch.randn(1, 4, 64, 64, device=dev, dtype=h)
    ctx = torch.randn(1, 77, 2048, device=dev, dtype=h)
    cond = {"text_embeds": torch.randn(1, 1280, device=dev, dtype=h), "time_ids": sdxl_modules.time_ids(512).to(dev, h)}
    t = torch.tensor([999.0], device=dev)
    img = torch.rand(1, 3, 512, 512, device=dev, dtype=h) * 2 - 1
    step = lambda u: u(x, t, ctx, added_cond_kwargs=cond).sample
    bench("unet step 512 fp16 eager", lambda: step(unet))
    bench("vae encode 512 fp16 eager", lambda: vae.encode(img).latent_dist.mean)
    bench("vae decode 512 fp16 eager", lambda: vae.decode(x).sample)
    bench("taesd encode 512 fp16 eager", lambda: taesd.encode(img).latents)
    bench("taesd decode 512 fp16 eager", lambda: taesd.decode(x).sample)

    sigmas = [14.6146, 4.0817, 1.6129, 0.6932, 0.0]  # trailing, 4 steps (FACTS)
    ts = [999.0, 749.0, 499.0, 249.0]

    def img2img(u, enc, dec, scale):
        z = enc(img) * scale
        lat = z + sigmas[0] * torch.randn_like(z)
        for i in range(4):
            s = sigmas[i]
            eps = u(lat / (s * s + 1) ** 0.5, torch.tensor([ts[i]], device=dev), ctx, added_cond_kwargs=cond).sample
            lat = lat + (lat - (lat - s * eps)) / s * (sigmas[i + 1] - s)
        return dec(lat / scale)

    full = (lambda i: vae.encode(i).latent_dist.mean, lambda z: vae.decode(z).sample, 0.13025)
    tiny = (lambda i: taesd.encode(i).latents, lambda z: taesd.decode(z).sample, 1.0)
    bench("img2img 4 steps 512 full VAE eager", lambda: img2img(unet, *full), n=10)
    bench("img2img 4 steps 512 TAESD eager", lambda: img2img(unet, *tiny), n=10)
    free1, _ = torch.cuda.mem_get_info()
    print(json.dumps({"peer": "torch", "what": "peak VRAM fp16 SDXL eager (GB)",
                      "gb": round(torch.cuda.max_memory_allocated() / 2**30, 2),
                      "reserved_gb": round(torch.cuda.max_memory_reserved() / 2**30, 2),
                      "device_used_gb": round((free0 - free1) / 2**30, 2)}), flush=True)
    if compile_unet:
        t0 = time.time()
        cu = torch.compile(unet, mode="reduce-overhead", fullgraph=True)
        for _ in range(3):
            step(cu)
        torch.cuda.synchronize()
        comp = round(time.time() - t0, 1)
        bench("unet step 512 fp16 torch.compile reduce-overhead", lambda: step(cu).clone(), n=50, compile_s=comp)

        def cstep(lat, tt):
            return cu(lat, tt, ctx, added_cond_kwargs=cond).sample.clone()

        def img2img_c(enc, dec, scale):
            z = enc(img) * scale
            lat = z + sigmas[0] * torch.randn_like(z)
            for i in range(4):
                s = sigmas[i]
                eps = cstep((lat / (s * s + 1) ** 0.5).contiguous(), torch.tensor([ts[i]], device=dev))
                lat = lat + (lat - (lat - s * eps)) / s * (sigmas[i + 1] - s)
            return dec(lat / scale)

        bench("img2img 4 steps 512 TAESD compiled UNet", lambda: img2img_c(*tiny), n=10)
        bench("img2img 4 steps 512 full VAE compiled UNet", lambda: img2img_c(*full), n=10)
