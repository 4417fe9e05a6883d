#!/usr/bin/env python3
"""ort_ref.py WORK — ONNX Runtime CPU reference outputs for the XLA check.

For every WORK/<name>/manifest.json the Go check wrote (inputs in<i>.bin, XLA outputs
xla<i>.bin) that has no ort0.bin yet, run the model on onnxruntime's CPU provider with
the same inputs and write ort<i>.bin in the outputs' dtypes; the Go side
(TestGPUCompare) compares. A float16 model ORT's CPU provider cannot run is retried as
a float32 copy (initializers, Constants, Casts and I/O widened; written under $TMPDIR).
One JSON line per model on stdout. Models named in $ORT_REF_SKIP (comma list) are skipped.
"""
import json
import os
import sys
import tempfile
import time

import numpy as np

DT = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8}


def load(d, rec):
    return np.fromfile(os.path.join(d, rec["file"]), dtype=DT[rec["dtype"]]).reshape(rec["shape"])


def fp32_copy(path):
    """Write a float32 copy of a float16 ONNX model and return its path."""
    import onnx
    from onnx import numpy_helper, TensorProto

    m = onnx.load(path, load_external_data=True)

    def widen(t):
        if t.data_type == TensorProto.FLOAT16:
            a = numpy_helper.to_array(t).astype(np.float32)
            t.CopyFrom(numpy_helper.from_array(a, t.name))

    for t in m.graph.initializer:
        widen(t)
    for n in m.graph.node:
        for a in n.attribute:
            if a.type == onnx.AttributeProto.TENSOR:
                widen(a.t)
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT16:
                a.i = TensorProto.FLOAT
            if n.op_type == "ConstantOfShape" and a.name == "value":
                widen(a.t)
    for vi in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
        tt = vi.type.tensor_type
        if tt.elem_type == TensorProto.FLOAT16:
            tt.elem_type = TensorProto.FLOAT
    d = tempfile.mkdtemp(prefix="ortref-")
    out = os.path.join(d, "model.onnx")
    onnx.save(m, out, save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx_data")
    return out


def run(ort, model, feeds, names, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    t0 = time.time()
    outs = sess.run(names, feeds)
    return outs, (time.time() - t0) * 1000


def main(work):
    try:
        import onnxruntime as ort
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"measure": "ort_ref", "error": "onnxruntime: %s" % e}), flush=True)
        return 1
    skip = set(filter(None, os.environ.get("ORT_REF_SKIP", "").split(",")))
    threads = int(os.environ.get("ORT_THREADS", "0"))
    bad = 0
    for name in sorted(os.listdir(work)):
        d = os.path.join(work, name)
        mf = os.path.join(d, "manifest.json")
        if not os.path.exists(mf) or os.path.exists(os.path.join(d, "ort0.bin")):
            continue
        rec = {"measure": "ort_ref", "model": name, "ort": ort.__version__}
        if name in skip:
            rec["skipped"] = "ORT_REF_SKIP"
            print(json.dumps(rec), flush=True)
            continue
        man = json.load(open(mf))
        feeds = {r["name"]: load(d, r) for r in man["inputs"]}
        names = [r["name"] for r in man["outputs"]]
        try:
            try:
                outs, ms = run(ort, man["model"], feeds, names, threads)
            except Exception as e:  # noqa: BLE001 — e.g. no CPU fp16 kernel
                if not any(r["dtype"] == "float16" for r in man["inputs"] + man["outputs"]):
                    raise
                rec["fp16_error"] = str(e)[:300]
                rec["reference"] = "float32 copy"
                wide = {k: (v.astype(np.float32) if v.dtype == np.float16 else v) for k, v in feeds.items()}
                outs, ms = run(ort, fp32_copy(man["model"]), wide, names, threads)
            rec["ort_run_ms"] = round(ms, 1)
            for i, (r, o) in enumerate(zip(man["outputs"], outs)):
                np.asarray(o).astype(DT[r["dtype"]]).tofile(os.path.join(d, "ort%d.bin" % i))
        except Exception as e:  # noqa: BLE001
            rec["error"] = str(e)[:500]
            bad += 1
        print(json.dumps(rec), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
