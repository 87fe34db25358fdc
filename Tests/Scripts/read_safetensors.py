#!/usr/bin/env python3
"""Independent safetensors reader (standard library + numpy only).

Usage: read_safetensors.py FILE
Prints one JSON object: {"metadata": {...}, "tensors": {name: {"dtype", "shape", "values"}}}.
Exits 3 when numpy is missing, so callers can skip.
"""
import json
import struct
import sys

try:
    import numpy as np
except ImportError:
    sys.exit(3)

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}


def main(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_length].decode("utf-8"))
    data = raw[8 + header_length:]
    result = {"metadata": header.pop("__metadata__", {}), "tensors": {}}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        result["tensors"][name] = {
            "dtype": info["dtype"],
            "shape": list(array.shape),
            "values": array.astype(np.float64).ravel().tolist(),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
