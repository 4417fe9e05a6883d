package diffusion

import "github.com/vivid-ml/vivid-ml-engine/engine/infer"

// The pipeline runs its models through the inference contract (package infer);
// these names keep the pipeline's code short.
type (
	// IO describes one model input or output.
	IO = infer.IO
	// Model is one loaded graph.
	Model = infer.Model
	// Backend opens models.
	Backend = infer.Backend
)
