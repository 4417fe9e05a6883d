// Package onnxpb holds the ONNX protobuf types, generated from the onnx.proto that
// Debian's libonnx-dev ships (ONNX 1.13 schema; IR version 8, opset up to 18).
//
// Regenerate with `go generate ./onnx/onnxpb` (needs protoc and protoc-gen-go v1.36.12).
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/vivid-ml/vivid-ml-engine/onnx/onnxpb onnx.proto
