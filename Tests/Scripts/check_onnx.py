"""Checks ONNX files exported by Backprop with the ONNX checker and onnxruntime.

Usage: check_onnx.py CASES.json

CASES.json lists {"name", "model", "inputs", "rows", "columns", "expected",
"expected_columns", "output"}: the .onnx file, the raw input rows and the expected outputs
(both little-endian float32, row-major), and the graph output to compare ("probabilities"
or "predictions"). Prints one JSON object keyed by case name with the checker's verdict,
the largest absolute difference, the label mismatches and the metadata. Exits with
status 3 when onnx, onnxruntime or numpy is missing.
"""
import json
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except ImportError as error:
    print(f"missing package: {error}", file=sys.stderr)
    sys.exit(3)


def check(case):
    result = {}
    model = onnx.load(case["model"])
    try:
        onnx.checker.check_model(model, full_check=True)
        result["checker"] = "ok"
    except Exception as error:  # the checker's own exception types vary by version
        result["checker"] = str(error)
        return result
    result["metadata"] = {entry.key: entry.value for entry in model.metadata_props}
    result["producer"] = f"{model.producer_name} {model.producer_version}"
    result["opset"] = model.opset_import[0].version
    inputs = np.fromfile(case["inputs"], dtype="<f4").reshape(case["rows"], case["columns"])
    expected = np.fromfile(case["expected"], dtype="<f4").reshape(case["rows"], case["expected_columns"])
    session = ort.InferenceSession(case["model"], providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, {"input": inputs})))
    actual = outputs[case["output"]]
    result["outputs"] = names
    result["shape"] = list(actual.shape)
    result["max_difference"] = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
    if "label" in outputs:
        result["label_mismatches"] = int(np.sum(outputs["label"] != np.argmax(expected, axis=1)))
    return result


def main():
    with open(sys.argv[1]) as file:
        cases = json.load(file)
    print(json.dumps({case["name"]: check(case) for case in cases}))


if __name__ == "__main__":
    main()
