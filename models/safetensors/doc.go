// Package safetensors reads Hugging Face safetensors files
// (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then
// the data. Files are memory-mapped where the platform allows it; every byte range is
// checked against the file size and the tensor's own shape before it is used, and the
// header size is capped, so a hostile file can neither read out of bounds nor make the
// reader allocate without bound.
package safetensors
