package sdconv

import (
	"encoding/json"
	"fmt"
	"path/filepath"
)

// Kinds of single files.
const (
	fileSDXL         = "sdxl"           // SGM: UNet, VAE, CLIP-L, OpenCLIP-bigG
	fileSD2          = "sd2"            // ldm: UNet, VAE, OpenCLIP-H
	fileUNetSGM      = "unet-sgm"       // only model.diffusion_model.*
	fileUNetDiffuser = "unet-diffusers" // a UNet state dict with diffusers names (SDXL-Lightning)
)

func fileKind(s Source) (string, error) {
	has := func(n string) bool { _, ok := s.Shape(n); return ok }
	switch {
	case has(SGMOpenCLIPG + sgmOpenCLIPLN):
		return fileSDXL, nil
	case has(LDMOpenCLIPH + sgmOpenCLIPLN):
		return fileSD2, nil
	case has(SGMUNet + "input_blocks.0.0.weight"):
		return fileUNetSGM, nil
	case has("conv_in.weight") && has("down_blocks.0.resnets.0.conv1.weight"):
		return fileUNetDiffuser, nil
	}
	return "", fmt.Errorf("sdconv: not an SDXL, SD 2.x or UNet checkpoint this converter knows (no %s, %s, %s or conv_in.weight)",
		SGMOpenCLIPG+sgmOpenCLIPLN, LDMOpenCLIPH+sgmOpenCLIPLN, SGMUNet+"input_blocks.0.0.weight")
}

// planFile plans a single .safetensors checkpoint; configs come from o.Base when
// given, else the real SDXL / SD 2.1 configs.
func planFile(path string, o Options) (*plan, error) {
	f, err := OpenFiles(path)
	if err != nil {
		return nil, err
	}
	p, err := planSingle(f, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	p.closers = append(p.closers, f.Close)
	p.sources = append([]string{path}, p.sources...)
	return p, nil
}

// planSingle plans the weights of a single file, f (which the caller closes).
func planSingle(f Source, o Options) (*plan, error) {
	kind, err := fileKind(f)
	if err != nil {
		return nil, err
	}
	var p *plan
	if kind == fileUNetSGM || kind == fileUNetDiffuser {
		if o.Base == "" {
			return nil, errNoBase
		}
		if p, err = planFolder(o.Base, Options{FP16: o.FP16}, true); err != nil {
			return nil, err
		}
	} else {
		p = &plan{fp16: o.FP16}
		sdxl := kind == fileSDXL
		p.unetC, p.vaeC, p.te1C = DefaultSDXLUNet(), DefaultVAE(), DefaultCLIPL()
		p.te2C = DefaultCLIPG()
		if !sdxl {
			p.unetC, p.te1C = DefaultSD21UNet(), DefaultCLIPH()
			p.vaeC.ScalingFactor, p.vaeC.ForceUpcast = 0.18215, false
		}
		cfgs := []struct {
			sub string
			cfg any
			out []string
		}{{"unet", &p.unetC, []string{"unet"}}, {"vae", &p.vaeC, []string{"vae_encoder", "vae_decoder"}},
			{"text_encoder", &p.te1C, []string{"text_encoder"}}}
		if sdxl {
			cfgs = append(cfgs, struct {
				sub string
				cfg any
				out []string
			}{"text_encoder_2", &p.te2C, []string{"text_encoder_2"}})
		}
		for _, c := range cfgs {
			if d := componentDir("", o.Base, c.sub); d != "" {
				if err := readConfig(filepath.Join(d, "config.json"), c.cfg); err != nil {
					return nil, err
				}
			}
			b, _ := json.MarshalIndent(c.cfg, "", "  ")
			for _, out := range c.out {
				p.extras = append(p.extras, extra{name: out + "/config.json", data: append(b, '\n')})
			}
		}
		if p.vae, err = sgmVAE(f, SGMVAE, len(p.vaeC.BlockOutChannels)); err == nil {
			if sdxl {
				p.te1 = clipNames(sgmCLIP(f, SGMCLIPL))
				p.te2, err = sgmOpenCLIP(f, SGMOpenCLIPG, p.te2C.HiddenSize, p.te2C.NumHiddenLayers)
				p.te2C.WithProjection = true
			} else {
				p.te1, err = sgmOpenCLIP(f, LDMOpenCLIPH, p.te1C.HiddenSize, p.te1C.NumHiddenLayers)
			}
		}
		if err != nil {
			return nil, err
		}
		if err := p.addShared("", o.Base); err != nil {
			return nil, err
		}
	}
	switch kind {
	case fileUNetDiffuser:
		p.unet = f
	default:
		layers, err := p.unetC.LayersPerBlock.per("layers_per_block", len(p.unetC.BlockOutChannels))
		if err == nil {
			p.unet, err = sgmUNet(f, SGMUNet, layers[0])
		}
		if err != nil {
			p.close()
			return nil, err
		}
	}
	return p, nil
}
