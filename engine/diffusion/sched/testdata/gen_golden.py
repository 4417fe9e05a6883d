#!/usr/bin/env python3
"""Independent reference for package sched: diffusers' scheduler formulas written out
line by line in plain Python (no numpy/torch here), emulating torch's float32 where diffusers
uses it. Source: huggingface/diffusers src/diffusers/schedulers/scheduling_{euler_discrete,
euler_ancestral_discrete,ddim,tcd,lcm}.py and pipeline_stable_diffusion_xl_img2img.py
get_timesteps. Run: python3 gen_golden.py > golden.json
"""
import json
import math
import struct

T = 1000
BETA_START, BETA_END = 0.00085, 0.012
STEPS_OFFSET = 1          # SDXL's scheduler_config.json
SET_ALPHA_TO_ONE = False  # SDXL's scheduler_config.json
ORIGINAL_STEPS = 50       # LCM/TCD default original_inference_steps
TIMESTEP_SCALING = 10.0   # LCM default
TCD_ETA = 0.3             # TCDScheduler.step default eta


def f32(x):
    """Round to the nearest float32, as a torch float32 tensor stores it."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def torch_linspace_f32(start, end, n):
    """torch.linspace(start, end, n, dtype=float32): float32 step, first half from start, second from end."""
    s, e = f32(start), f32(end)
    step = f32((e - s) / (n - 1))
    half = n // 2
    return [f32(s + f32(step * i)) if i < half else f32(e - f32(step * (n - i - 1))) for i in range(n)]


# __init__: betas = linspace(sqrt(b0), sqrt(b1), T) ** 2 ; alphas = 1 - betas ; cumprod.
betas = [f32(v * v) for v in torch_linspace_f32(BETA_START ** 0.5, BETA_END ** 0.5, T)]
alphas = [f32(1.0 - b) for b in betas]
alphas_cumprod = []
acc = 1.0  # torch.cumprod on CPU accumulates float32 in double
for a in alphas:
    acc *= a
    alphas_cumprod.append(f32(acc))
final_alpha_cumprod = 1.0 if SET_ALPHA_TO_ONE else alphas_cumprod[0]
# sigmas = ((1 - ac) / ac) ** 0.5 in float32
train_sigmas = [f32(math.sqrt(f32(f32(1.0 - a) / a))) for a in alphas_cumprod]


def np_arange(start, stop, step):
    n = math.ceil((stop - start) / step)
    delta = (start + step) - start
    return [start + i * delta for i in range(max(n, 0))]


def np_interp(x, fp):
    if x <= 0:
        return fp[0]
    if x >= len(fp) - 1:
        return fp[-1]
    j = int(math.floor(x))
    slope = fp[j + 1] - fp[j]
    return slope * (x - j) + fp[j]


def euler_timesteps(n, spacing):
    if spacing == "linspace":
        step = (T - 1) / (n - 1) if n > 1 else float("nan")
        ts = [0.0] if n == 1 else [i * step for i in range(n)]
        if n > 1:
            ts[-1] = float(T - 1)
        return [f32(t) for t in reversed(ts)]
    if spacing == "leading":
        ratio = T // n
        return [float(round(i * ratio) + STEPS_OFFSET) for i in reversed(range(n))]
    ratio = T / n
    return [float(round(v)) - 1 for v in np_arange(T, 0, -ratio)]  # round() is half-to-even like numpy


def ddim_timesteps(n, spacing):
    if spacing == "linspace":
        step = (T - 1) / (n - 1) if n > 1 else 0.0
        ts = [0.0] if n == 1 else [i * step for i in range(n)]
        if n > 1:
            ts[-1] = float(T - 1)
        return [float(round(t)) for t in reversed(ts)]
    return euler_timesteps(n, spacing)


def lcm_timesteps(n):
    k = T // ORIGINAL_STEPS
    origin = [i * k - 1 for i in range(1, ORIGINAL_STEPS + 1)][::-1]
    idx = [math.floor(i * (len(origin) / n)) for i in range(n)]
    return [float(origin[i]) for i in idx]


def euler_sigmas(ts):
    return [f32(np_interp(t, train_sigmas)) for t in ts] + [0.0]


def ddpm_sigmas(ts):
    return [train_sigmas[int(t)] for t in ts] + [0.0]


def schedule(name, spacing, n):
    if name in ("euler", "euler-ancestral"):
        ts = euler_timesteps(n, spacing)
        return ts, euler_sigmas(ts)
    if name == "ddim":
        ts = ddim_timesteps(n, spacing)
        return ts, ddpm_sigmas(ts)
    ts = lcm_timesteps(n)
    return ts, ddpm_sigmas(ts)


def img2img_start(n, strength):
    init = min(int(n * strength), n)
    if init < 1:
        return None
    return max(n - init, 0)


def alpha(t):
    return alphas_cumprod[t] if t >= 0 else final_alpha_cumprod


# One step of each scheduler on fixed vectors (epsilon prediction), float64 arithmetic on the
# float32 schedule values.
SAMPLE = [0.5, -1.2, 2.0, 0.0]
MODEL = [0.1, -0.3, 0.7, -1.5]
NOISE = [0.3, -0.4, 1.1, 0.25]


def step(name, ts, sig, i, n, x, e, z):
    if name in ("euler", "euler-ancestral"):
        s, nxt = sig[i], sig[i + 1]
        x0 = [xv - s * ev for xv, ev in zip(x, e)]
        d = [(xv - x0v) / s for xv, x0v in zip(x, x0)]
        if name == "euler":
            return [xv + dv * (nxt - s) for xv, dv in zip(x, d)]
        up = (nxt ** 2 * (s ** 2 - nxt ** 2) / s ** 2) ** 0.5
        down = (nxt ** 2 - up ** 2) ** 0.5
        return [xv + dv * (down - s) + zv * up for xv, dv, zv in zip(x, d, z)]
    t = int(ts[i])
    at = alpha(t)
    bt = 1 - at
    x0 = [(xv - bt ** 0.5 * ev) / at ** 0.5 for xv, ev in zip(x, e)]
    if name == "ddim":  # eta 0
        prev = t - T // n
        ap = alpha(prev)
        return [ap ** 0.5 * x0v + (1 - ap) ** 0.5 * ev for x0v, ev in zip(x0, e)]
    if name == "lcm":
        last = i == len(ts) - 1
        prev = t if last else int(ts[i + 1])
        ap = alpha(prev)
        st = t * TIMESTEP_SCALING
        c_skip = 0.25 / (st ** 2 + 0.25)
        c_out = st / (st ** 2 + 0.25) ** 0.5
        den = [c_out * x0v + c_skip * xv for x0v, xv in zip(x0, x)]
        if last:
            return den
        return [ap ** 0.5 * dv + (1 - ap) ** 0.5 * zv for dv, zv in zip(den, z)]
    # tcd
    last = i == len(ts) - 1
    prev = 0 if last else int(ts[i + 1])
    s_t = math.floor(f32(f32(1 - TCD_ETA) * prev))
    ap, as_ = alpha(prev), alpha(s_t)
    noised = [as_ ** 0.5 * x0v + (1 - as_) ** 0.5 * ev for x0v, ev in zip(x0, e)]
    if last:
        return noised
    return [(ap / as_) ** 0.5 * nv + (1 - ap / as_) ** 0.5 * zv for nv, zv in zip(noised, z)]


def main():
    cases = []
    for name, spacings in (("euler", ("trailing", "leading", "linspace")),
                           ("euler-ancestral", ("trailing", "leading", "linspace")),
                           ("ddim", ("trailing", "leading", "linspace")),
                           ("tcd", ("trailing",)), ("lcm", ("trailing",))):
        for spacing in spacings:
            for n in range(1, 9):
                ts, sig = schedule(name, spacing, n)
                steps = [step(name, ts, sig, i, n, SAMPLE, MODEL, NOISE) for i in range(n)]
                for strength in (0.25, 0.5, 0.75, 1.0):
                    start = img2img_start(n, strength)
                    cases.append({
                        "scheduler": name, "spacing": spacing, "steps": n, "strength": strength,
                        "no_steps": start is None,
                        "start": start if start is not None else 0,
                        "timesteps": ts[start:] if start is not None else [],
                        "sigmas": sig[start:] if start is not None else [],
                        "full_timesteps": ts, "full_sigmas": sig,
                        "step_outputs": steps,
                    })
    out = {
        "source": "gen_golden.py: diffusers formulas in plain Python",
        "sample": SAMPLE, "model_output": MODEL, "noise": NOISE,
        "train_sigma_0": train_sigmas[0], "train_sigma_999": train_sigmas[-1],
        "alphas_cumprod_0": alphas_cumprod[0], "alphas_cumprod_999": alphas_cumprod[-1],
        "cases": cases,
    }
    cases = out.pop("cases")
    head = json.dumps(out)[:-1]
    body = ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases)
    print(head + ', "cases": [\n' + body + "\n]}")


if __name__ == "__main__":
    main()
