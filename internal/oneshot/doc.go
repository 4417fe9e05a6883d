// Package oneshot holds the bodies of the one-shot commands — `pose`, `segment`, `upscale`,
// `diffusion run` and `diffusion schedule`: each loads one model through internal/app (or
// none), runs it on the images it is given and writes PNG files or JSON lines. The flags are
// parsed, and usage errors printed, in cmd/vivid-ml-engine; each body takes its settings (the
// flags) and an app.Runtime, as internal/bench's do.
package oneshot
