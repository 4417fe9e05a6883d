// Package sdconv builds ONNX graphs of Stable Diffusion XL and 2.1 parts in Go from a
// diffusers config.json and safetensors weights: UNet2DConditionModel, AutoencoderKL
// (encoder and decoder), CLIP text encoders and TAESD, written as a diffusers ONNX
// folder in Optimum's layout (the file, input and output names engine/diffusion reads).
// The module math follows diffusers and transformers exactly: see the doc comment of
// each builder for the source file it mirrors.
package sdconv

// ConverterVersion identifies the graphs this package writes; it is recorded in every
// model and in the conversion sidecar, and a new value makes cached conversions redo.
const ConverterVersion = "sdconv-1"
