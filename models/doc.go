// Package models supplies the engine's models and native libraries: an embedded
// manifest (name, kind, version, source, files with sha256 and size, licence), a cache
// directory, fetching from npm tarballs, https URLs or local files, conversion of
// TensorFlow.js models to ONNX, and hash verification.
//
// Every file lands atomically (temp file + rename) under a per-entry lock file, so
// concurrent processes share one cache safely. A missing or corrupt file is fetched
// again once; a second mismatch is an error naming the file.
//
//	st, err := models.Open(models.Options{Logger: log, Progress: os.Stderr})
//	lib, err := st.ORTLibrary(ctx)                 // $ONNXRUNTIME_LIB or the cached library
//	onnxPath, err := st.Path(ctx, "movenet-lightning") // fetched/converted on first use
package models
