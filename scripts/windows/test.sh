#!/usr/bin/env bash
# make test-windows: run the Windows build under wine (Debian 12: wine64 8.0, mingw-w64).
#   1. builds the ProcessPrng shim (bcryptprimitives.c) into a wine prefix under $OUT
#   2. cross-builds the engine (cgo, mingw-w64, static), the Windows peer and the
#      Windows unit-test binaries
#   3. provisions the Windows model cache from Linux with the same store code
#      (`models fetch --platform windows/amd64`: npm cannot run under wine)
#   4. runs tests/windows (Linux driver: oscdump/oscsend, wine processes)
# Env: GO, OUT (default bin/windows), WINE (default wine64 on PATH, else Debian's
# /usr/lib/wine/wine64), LINUX_BIN (a Linux engine build, default bin/vivid-ml-engine).
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
OUT=$(realpath -m "${OUT:-bin/windows}")
LINUX_BIN=${LINUX_BIN:-bin/vivid-ml-engine}
WINE=${WINE:-$(command -v wine64 || echo /usr/lib/wine/wine64)}
WIN_CC=${WIN_CC:-x86_64-w64-mingw32-gcc-posix}
WIN_CXX=${WIN_CXX:-x86_64-w64-mingw32-g++-posix}
export WINEPREFIX="$OUT/prefix" WINEDEBUG=-all
# No wine-mono / wine-gecko prompts: the engine needs neither .NET nor a browser engine.
export WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$OUT/unit" "$OUT/overlay"
# A go.mod makes $OUT another module, so the repository's ./... (make vet, make test)
# skips the generated overlay source and the wine prefix.
printf 'module vivid-test-windows-build\n' >"$OUT/go.mod"
t0=$SECONDS

# 1. Prefix (once per $OUT; wineboot mostly waits, so it runs beside the builds) and the
# shim Go needs to start (wine 8 lacks ProcessPrng).
boot=
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$WINE" wineboot -i >"$OUT/wineboot.log" 2>&1 &
  boot=$!
fi
"$WIN_CC" -shared -O2 -o "$OUT/bcryptprimitives.dll" scripts/windows/bcryptprimitives.c \
  scripts/windows/bcryptprimitives.def -ladvapi32

# 2. A build overlay for what wine 8 lacks (UDP sockets, os.RemoveAll), from this Go's
# own source; only these test builds use it (scripts/windows/overlay.py says what and why).
python3 scripts/windows/overlay.py "$("$GO" env GOROOT)/src" "$OUT/overlay"

# One build configuration (cgo on) for every Windows binary, so they share the build cache.
export GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC="$WIN_CC" CXX="$WIN_CXX"
ov=(-overlay "$OUT/overlay/overlay.json")
"$GO" build "${ov[@]}" -ldflags '-extldflags "-static"' -o "$OUT/vivid-ml-engine.exe" ./cmd/vivid-ml-engine
"$GO" build "${ov[@]}" -o "$OUT/winpeer.exe" ./tests/windows/winpeer
# Unit tests as Windows binaries: the Windows-only code (tdshm, spout) and the packages with
# paths, files and sockets (tests/windows/unit_test.go skips the few that assume Unix).
for pkg in ./output/tdshm ./output/spout ./mapping ./control ./engine ./models ./output/preview \
  ./output/telemetry ./cmd/vivid-ml-engine; do
  name=${pkg#./}
  "$GO" test -c "${ov[@]}" -ldflags '-extldflags "-static"' -o "$OUT/unit/${name//\//.}.test.exe" "$pkg" # output/tdshm → output.tdshm.test.exe
done
unset GOOS GOARCH CGO_ENABLED CC CXX
# The Spout SDK's own receiver, when its public source is at hand (never in this
# repository): SPOUT_SDK_DIR=.../Spout2/SPOUTSDK. Without it the SDK check skips.
rm -f "$OUT/spoutrecv.exe"
if [ -n "${SPOUT_SDK_DIR:-}" ]; then
  "$WIN_CXX" -O1 -std=c++17 -static -mssse3 -msse4.1 -w -I"$SPOUT_SDK_DIR/SpoutGL" -I"$SPOUT_SDK_DIR/SpoutDirectX/SpoutDX" \
    -o "$OUT/spoutrecv.exe" tests/windows/spoutsdk/receiver.cpp "$SPOUT_SDK_DIR/SpoutDirectX/SpoutDX/SpoutDX.cpp" \
    "$SPOUT_SDK_DIR"/SpoutGL/{SpoutDirectX,SpoutSenderNames,SpoutSharedMemory,SpoutFrameCount,SpoutUtils,SpoutCopy}.cpp \
    -ld3d11 -ldxgi -lversion -lshlwapi -lwinmm -lgdi32 -luser32 -lshell32 -lole32
fi
echo "test-windows: built in $((SECONDS - t0)) s"

if [ -n "$boot" ]; then
  wait "$boot" || { cat "$OUT/wineboot.log"; exit 1; }
fi
cp "$OUT/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

# 3. The Windows model cache, provisioned from Linux (same store, same hashes).
[ -x "$LINUX_BIN" ] || "$GO" build -o "$LINUX_BIN" ./cmd/vivid-ml-engine
"$LINUX_BIN" models fetch --platform windows/amd64 --cache-dir "$OUT/cache" --log-level warn \
  onnxruntime movenet-lightning

# 4. The tests, with one wineserver for all of them: by default it exits 3 s after the
# last wine process, and a process starting while it shuts down fails ("wine client
# error: recvmsg: Connection reset by peer"). Stopped (with what is left in this prefix)
# at the end.
WINESERVER=${WINESERVER:-$(dirname "$WINE")/wineserver64}
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver)
"$WINESERVER" -p
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT
# Xvfb + Mesa give wine's D3D11 (wined3d on OpenGL) a display.
VIVID_WIN_DIR="$OUT" VIVID_WINE="$WINE" xvfb-run -a "$GO" test -count=1 -timeout 10m ${TESTFLAGS:--v} ./tests/windows/
echo "test-windows: done in $((SECONDS - t0)) s"
