#!/usr/bin/python3
"""all_outputs.py IN.onnx OUT.onnx [D0,D1,…] — the same model with every node's output also a
graph output (types from ONNX shape inference), in node order (only outputs whose shape is fully known: pass the first input's
shape to pin a dynamic one), for bisecting where two
execution providers part ways (tests/gpucheck TestDebugAllOutputs compares each output).
ONNX Runtime cannot fuse across a graph output, so a difference that only a fused
kernel makes disappears here; the check also runs the unmodified model unoptimised.
Run with Debian's /usr/bin/python3 (python3-onnx) from outside the repository (its
onnx/ folder shadows the package)."""
import sys

import onnx
from onnx import shape_inference

src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
if len(sys.argv) > 3:
    dims = m.graph.input[0].type.tensor_type.shape.dim
    for d, v in zip(dims, sys.argv[3].split(",")):
        d.ClearField("dim_param")
        d.dim_value = int(v)
m = shape_inference.infer_shapes(m)
have = {o.name for o in m.graph.output}
types = {vi.name: vi for vi in m.graph.value_info}
added = 0
for n in m.graph.node:
    for o in n.output:
        tt = types[o].type.tensor_type if o in types else None
        static = tt is not None and tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim)
        if o and o not in have and static and tt.elem_type:
            m.graph.output.append(types[o])
            have.add(o)
            added += 1
onnx.save(m, dst)
print(f"{dst}: {added} outputs added ({len(m.graph.node)} nodes)")
