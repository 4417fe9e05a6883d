#!/usr/bin/env python3
"""ort_ref.py WORK — the ONNX Runtime CPU reference for the XLA check.

For every WORK/<name>/manifest.json written by the Go check (inputs in*.bin, XLA
outputs xla*.bin), run the model on onnxruntime's CPU provider with the same inputs
and print one JSON line per model: max |xla − ort|, the largest |ort| value, their
ratio, ORT's run time, and whether it is within tolerance (fp32 rel 1e-3, fp16 2e-2).
"""
import json, os, sys, time

import numpy as np

DT = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8}


def load(d, rec):
    return np.fromfile(os.path.join(d, rec["file"]), dtype=DT[rec["dtype"]]).reshape(rec["shape"])


def main(work):
    try:
        import onnxruntime as ort
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"measure": "compare", "error": "onnxruntime: %s" % e}))
        return 1
    skip = set(filter(None, os.environ.get("ORT_REF_SKIP", "").split(",")))
    bad = 0
    for name in sorted(os.listdir(work)):
        d = os.path.join(work, name)
        mf = os.path.join(d, "manifest.json")
        if not os.path.exists(mf):
            continue
        if name in skip:
            print(json.dumps({"measure": "compare", "model": name, "skipped": "ORT_REF_SKIP"}))
            continue
        man = json.load(open(mf))
        rec = {"measure": "compare", "model": name, "ort": ort.__version__}
        try:
            so = ort.SessionOptions()
            so.intra_op_num_threads = int(os.environ.get("ORT_THREADS", "0"))
            t0 = time.time()
            sess = ort.InferenceSession(man["model"], so, providers=["CPUExecutionProvider"])
            rec["ort_load_ms"] = round((time.time() - t0) * 1000, 1)
            feeds = {r["name"]: load(d, r) for r in man["inputs"]}
            t0 = time.time()
            outs = sess.run([r["name"] for r in man["outputs"]], feeds)
            rec["ort_run_ms"] = round((time.time() - t0) * 1000, 1)
            worst_rel, per = 0.0, []
            half = False
            for r, o in zip(man["outputs"], outs):
                x = load(d, r).astype(np.float64)
                o = np.asarray(o).astype(np.float64)
                half = half or r["dtype"] == "float16"
                diff = float(np.max(np.abs(x - o))) if o.size else 0.0
                scale = float(np.max(np.abs(o))) if o.size else 0.0
                rel = diff / scale if scale > 0 else diff
                worst_rel = max(worst_rel, rel)
                per.append({"output": r["name"], "max_abs_diff": diff, "max_abs_ort": scale, "rel": rel,
                            "nan_xla": int(np.isnan(x).sum()), "nan_ort": int(np.isnan(o).sum())})
            tol = 2e-2 if half else 1e-3
            rec.update({"outputs": per, "worst_rel": worst_rel, "tolerance_rel": tol, "ok": bool(worst_rel <= tol)})
            bad += 0 if rec["ok"] else 1
        except Exception as e:  # noqa: BLE001
            rec["error"] = str(e)[:500]
            bad += 1
        print(json.dumps(rec), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
