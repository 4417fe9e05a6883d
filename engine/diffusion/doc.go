// Package diffusion runs few-step img2img — SDXL (SDXL-Lightning, SDXL-Turbo, Hyper-SD)
// and SD 1.x/2.x (SD-Turbo, SD 1.5 LCM) — on diffusers-layout ONNX folders as Optimum
// exports them, following diffusers' pipeline_stable_diffusion_xl_img2img.py and
// pipeline_stable_diffusion_img2img.py: model folder loading with inputs/outputs found
// by name and every size read from the models, noise drawn from torch's CPU generator in
// diffusers' order (torchrng), prompt embeddings cached and computed off the frame path,
// prompt and seed blending, StreamDiffusion-style similar-frame skip, and the engine's
// image stage.
package diffusion
