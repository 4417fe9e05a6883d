"""Zero the GPU code for other architectures in a CUDA library's .nv_fatbin section, so
the library compresses to what one GPU needs (lease transport only: the H200 check carries
≤ 64 MiB per call). Entry headers stay, so the CUDA runtime still walks the fatbin and picks
the entry for the device; only the payloads of the entries it cannot pick are zeroed.
Prints what was kept and zeroed. The product never does this: the model store fetches and
verifies the provider package as published.

usage: python3 prune_fatbin.py IN.so OUT.so SM   (SM: e.g. 90 for Hopper)
"""
import collections, struct, subprocess, sys

src, dst, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = bytearray(open(src, "rb").read())
off = size = None
for line in subprocess.check_output(["readelf", "-S", "-W", src]).decode().splitlines():
    if ".nv_fatbin" in line:
        f = line.split("]", 1)[1].split()
        off, size = int(f[3], 16), int(f[4], 16)
if off is None:
    sys.exit(f"{src}: no .nv_fatbin section")
kept, zeroed = collections.Counter(), collections.Counter()
i, end_sec = off, off + size
while i + 16 <= end_sec:
    magic, _, hsz, fsz = struct.unpack_from("<IHHQ", data, i)
    if magic != 0xBA55ED50:
        i += 8
        continue
    j, end = i + hsz, i + hsz + fsz
    while j < end:
        kind, _, ehsz, psz = struct.unpack_from("<HHIQ", data, j)
        arch = struct.unpack_from("<I", data, j + 28)[0]
        if arch == keep or kind == 1:  # 1: PTX, kept (the driver may JIT it)
            kept[(kind, arch)] += psz
        else:
            data[j + ehsz:j + ehsz + psz] = bytes(psz)
            zeroed[(kind, arch)] += psz
        j += ehsz + psz
    i = end
open(dst, "wb").write(data)
mb = lambda c: {f"{'ptx' if k == 1 else 'sm'}_{a}": round(v / 1e6, 1) for (k, a), v in sorted(c.items())}
print({"kept_mb": mb(kept), "zeroed_mb": mb(zeroed)})
