package models

import "errors"

// ErrUnknownModel means the name is not in the manifest (for this platform).
var ErrUnknownModel = errors.New("unknown model")

// ErrOffline means a model is missing or damaged in the cache and fetching is disabled.
var ErrOffline = errors.New("offline")

// ErrHashMismatch means a file's sha256 (or size) differs from the manifest or sidecar.
var ErrHashMismatch = errors.New("hash mismatch")

// ErrMissing means a cached file does not exist.
var ErrMissing = errors.New("missing file")

// ErrStale means a converted model was made by another converter version; fetch converts it again.
var ErrStale = errors.New("converted by another converter version")

// ErrBadManifest means the manifest failed to parse or validate.
var ErrBadManifest = errors.New("bad manifest")

// ErrBadSidecar means a conversion sidecar file could not be parsed.
var ErrBadSidecar = errors.New("bad sidecar")

// ErrFetch means a source could not deliver a file (npm failed, HTTP error, local file unreadable).
var ErrFetch = errors.New("fetch failed")

// ErrUnverified means a manifest entry has no known sha256 for its files, so it is not fetched.
var ErrUnverified = errors.New("not fetchable: file hashes unknown")
