"""ONNX Runtime's own transformer optimizer on an fp32 SDXL UNet export, then fp16: what
Optimum's `--optimize O4` / ORT's stable_diffusion optimize_pipeline do for the CUDA provider
(fused MultiHeadAttention with flash kernels, GroupNorm/SkipGroupNorm, BiasSplitGelu, BiasAdd,
NHWC Conv). Test tooling for the GPU machine (needs the `onnxruntime` Python package, CPU build
is enough: opt_level 0 runs only the Python fusions); the engine reads the result like any
Optimum folder.

usage: python3 ort_optimize.py SRC_UNET_FP32.onnx DST_UNET.onnx
Prints one JSON line: fused operator counts and seconds.
"""
import json, os, sys, time

from onnxruntime.transformers.fusion_options import FusionOptions
from onnxruntime.transformers.optimizer import optimize_model

src, dst = sys.argv[1], sys.argv[2]
t0 = time.time()
opts = FusionOptions("unet")
m = optimize_model(src, model_type="unet", num_heads=0, hidden_size=0, opt_level=0,
                   optimization_options=opts, use_gpu=True)
fused = m.get_fused_operator_statistics()
t1 = time.time()
m.convert_float_to_float16(keep_io_types=False, op_block_list=["RandomNormalLike", "Resize"])
os.makedirs(os.path.dirname(dst), exist_ok=True)
m.save_model_to_file(dst, use_external_data_format=True, all_tensors_to_one_file=True)
print(json.dumps({"ort_optimize": dst, "fuse_s": round(t1 - t0, 1), "total_s": round(time.time() - t0, 1),
                  "fused": {k: v for k, v in fused.items() if v}}), flush=True)
