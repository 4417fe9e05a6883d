#!/usr/bin/env python3
"""Write a `go build -overlay` that bridges two things wine 8 lacks, for the Windows test
builds of `make test-windows` only (the released binary is built without it):

- Go >= 1.23 sets SIO_UDP_NETRESET on every UDP socket; wine 8 answers WSAEOPNOTSUPP
  (10045), so no UDP socket opens: net/fd_windows.go ignores that one error.
- Go 1.26's os.RemoveAll deletes relative to directory handles, which wine 8 rejects
  ("unlinkat ...: Invalid function"; os.Remove works), so every t.TempDir cleanup fails:
  the path-based removeall_noat.go serves windows too.

The files are patched copies of this Go's own source (GOROOT/src), made at build time.
usage: overlay.py GOROOT/src OUTDIR   (writes OUTDIR/overlay.json)
"""
import json
import sys

src, out = sys.argv[1], sys.argv[2]
replace = {}


def patch(rel, old, new):
    path = f"{src}/{rel}"
    text = open(path).read()
    if old not in text:
        sys.exit(f"{rel}: {old!r} not found: update scripts/windows/overlay.py for this Go")
    dst = f"{out}/{rel.replace('/', '_')}"
    open(dst, "w").write(text.replace(old, new, 1))
    replace[path] = dst


netreset = ("windows.SIO_UDP_NETRESET, (*byte)(unsafe.Pointer(&flag)), size, nil, 0, &ret, nil, 0)\n"
            "\t\tif err != nil {")
patch("net/fd_windows.go", netreset,
      netreset.replace("if err != nil {", "if err != nil && err != syscall.Errno(10045) { // wine 8: WSAEOPNOTSUPP"))
patch("os/removeall_at.go", "func removeAll(path string) error {", "func removeAllAtUnused(path string) error {")
patch("os/removeall_noat.go", "//go:build (js && wasm) || plan9", "//go:build (js && wasm) || plan9 || windows")
json.dump({"Replace": replace}, open(f"{out}/overlay.json", "w"), indent=1)
