#!/usr/bin/env python3
"""Read the newest frame from a vivid-ml-engine shared-memory segment.

Standard library only (mmap + struct). Layout: docs/shm.md.

    python3 vivid_shm_read.py NAME [--out frame.ppm]

Prints one JSON line (name, width, height, frame, generation, crc32 of the pixels)
and optionally writes the frame as a binary PPM (RGB, alpha dropped).

Memory ordering: the sequence words are read with single aligned 8-byte loads through
a memoryview cast to 'Q'. That is enough on x86-64 and arm64 in practice (CPython's
calls between the loads act as compiler barriers), but Python offers no fence: a
reader that must be exact on weakly ordered CPUs should use include/vivid_shm.h.
"""
import argparse
import json
import mmap
import os
import struct
import sys
import time
import zlib

MAGIC, VERSION, SLOT_HEADER, RGBA8 = 0x4D535656, 1, 64, 1
STATE_LIVE = 0


def segment_path(name):
    d = os.environ.get("VIVID_SHM_DIR")
    if not d:
        d = "/dev/shm" if os.path.isdir("/dev/shm") else os.environ.get("TMPDIR", "/tmp")
    return os.path.join(d, "vivid-shm." + name)


class Reader:
    def __init__(self, name):
        self.path = segment_path(name)
        self._map()

    def _map(self):
        with open(self.path, "rb") as f:
            st = os.fstat(f.fileno())
            self.ino = (st.st_dev, st.st_ino)
            self.mm = mmap.mmap(f.fileno(), st.st_size, mmap.MAP_SHARED, mmap.PROT_READ)
        (magic, version, self.header_size, fmt, self.width, self.height, self.stride, self.slots,
         self.slot_size, self.generation) = struct.unpack_from("<8I2Q", self.mm, 0)
        if magic != MAGIC or version != VERSION or fmt != RGBA8:
            raise ValueError("%s: not a vivid shm segment (magic %#x version %d)" % (self.path, magic, version))
        self.words = memoryview(self.mm).cast("Q")  # aligned 8-byte loads for the atomics
        self.frame_bytes = self.stride * self.height

    def close(self):
        self.words.release()
        self.mm.close()

    def _u64(self, off):
        return self.words[off // 8]

    def read(self, attempts=100):
        """Return (info dict, bytes) of the newest complete frame, or None if none yet."""
        state = struct.unpack_from("<I", self.mm, 72)[0]
        if state != STATE_LIVE:
            st = os.stat(self.path)  # raises FileNotFoundError when the writer is gone
            if (st.st_dev, st.st_ino) != self.ino:
                self.close()
                self._map()
        for _ in range(attempts):
            c = self._u64(48)
            if c == 0:
                return None
            base = self.header_size + ((c - 1) % self.slots) * self.slot_size
            s1 = self._u64(base)
            if s1 & 1:
                continue
            fn, ts = self._u64(base + 8), self._u64(base + 16)
            if fn == 0:
                return None
            data = self.mm[base + SLOT_HEADER: base + SLOT_HEADER + self.frame_bytes]
            if self._u64(base) != s1:
                continue  # overwritten while copying
            info = {"width": self.width, "height": self.height, "stride": self.stride, "frame": fn,
                    "timestamp_ns": ts, "generation": self.generation}
            return info, data
        raise RuntimeError("slot overwritten during every attempt")


def write_ppm(path, info, data):
    w, h, stride = info["width"], info["height"], info["stride"]
    px = b"".join(data[y * stride: y * stride + 4 * w] for y in range(h))
    rgb = bytearray(w * h * 3)
    for c in range(3):
        rgb[c::3] = px[c::4]
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(rgb)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--out", help="write the frame as a PPM file")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a frame")
    a = ap.parse_args()
    deadline = time.monotonic() + a.timeout
    got = None
    while got is None:
        try:
            r = Reader(a.name)
            got = r.read()
        except FileNotFoundError:
            got = None
        if got is None:
            if time.monotonic() > deadline:
                print("no frame in segment %r within %.1fs" % (a.name, a.timeout), file=sys.stderr)
                return 1
            time.sleep(0.01)
    info, data = got
    info["name"] = a.name
    info["crc32"] = zlib.crc32(data[: info["stride"] * info["height"]])
    if a.out:
        write_ppm(a.out, info, data)
    print(json.dumps(info, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
