// Package fused is the contract between the diffusion pipeline and a backend that runs a
// whole img2img frame on its device (package xla): the frame's bytes go in, the VAE
// encoder, the noising, every UNet step with its scheduler arithmetic and the decoder run
// there, and the output frame's bytes come back. The latents never cross to the host;
// per frame only the frame, the host's noise draws (diffusers' draw order stays the
// pipeline's) and a few coefficients do.
package fused

import (
	"time"

	"github.com/vivid-ml/vivid-ml-engine/engine/infer"
)

// Spec is one frame layout: the three models with their bound input tensors (element
// types and shapes as the pipeline allocated them) and the roles of their inputs and outputs.
type Spec struct {
	Enc, UNet, Dec infer.Model
	// EncIn, UNetIn and DecIn are the pipeline's tensors for every model input, in model
	// order. The UNet's inputs other than Sample and Timestep are its conditioning
	// (encoder_hidden_states and, for SDXL, text_embeds and time_ids): SetConditioning
	// reads them from UNetIn.
	EncIn, UNetIn, DecIn []*infer.Tensor
	// Indices into the models' inputs and outputs.
	EncImage, EncLatent int
	Sample, Timestep    int
	NoisePred           int
	DecLatent, DecImage int

	Size  int  // image side, pixels
	Ch    int  // latent channels
	Batch int  // the UNet's batch: 2 with classifier-free guidance ([uncond, cond])
	Dist  bool // the encoder outputs mean then log-variance (2×Ch channels)
	// ByteToInput is the encoder input value of each byte (the pipeline's own table,
	// widened to float32), so the device converts frames exactly as the host does.
	ByteToInput [256]float32
}

// Step is one denoising step: the UNet sees In·x at Timestep; with guidance
// ε = u + Guidance·(c − u); then x' = X·x + Out·ε + Noise·z.
type Step struct {
	Timestep          *infer.Tensor // the UNet's timestep input for this step
	In, X, Out, Noise float32
	Z                 []float32 // the step's draw; nil when it draws nothing
}

// Frame is one img2img frame: start latents Start·(Scale·z₀) + StartNoise·Noise where z₀
// is the encoder's mean, or mean + exp(½·clamp(logvar, −30, 20))·VAEEps when VAEEps is set.
type Frame struct {
	RGBA              []uint8 // Size×Size×4
	VAEEps            []float32
	Noise             []float32
	Scale             float32
	Start, StartNoise float32
	Guidance          float32
	Steps             []Step
	Out               []uint8   // Size×Size×4, filled (alpha 255)
	Latents           []float32 // when set, filled with the final latents (tests, traces)
}

// Timings are the host's view of a frame: Encode includes the upload of the frame,
// Decode the download of the result; device work runs asynchronously, so a stage's time
// may land in the next.
type Timings struct {
	Encode, Decode time.Duration
	UNet           []time.Duration
}

// Runner runs frames of one Spec.
type Runner interface {
	// SetConditioning uploads the UNet's conditioning inputs from Spec.UNetIn; they stay on
	// the device until the next call.
	SetConditioning() error
	Run(f *Frame) (Timings, error)
	Close() error
}

// Fuser is implemented by UNet models whose backend can run a frame on its device.
type Fuser interface {
	FuseImg2Img(s Spec) (Runner, error)
}
