// Package diffusion runs few-step SDXL img2img (SDXL-Lightning, SDXL-Turbo, Hyper-SD) on
// diffusers-layout ONNX folders as Optimum exports them, following diffusers'
// pipeline_stable_diffusion_xl_img2img.py: model folder loading with inputs/outputs
// found by name, prompt embeddings cached and computed off the frame path, prompt and
// seed blending, StreamDiffusion-style similar-frame skip, and the engine's image stage.
package diffusion
