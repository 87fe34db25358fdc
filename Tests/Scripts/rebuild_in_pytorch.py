#!/usr/bin/env python3
"""Rebuilds a saved Backprop model in PyTorch from its two files alone and compares its
probabilities with the ones Backprop predicted.

    rebuild_in_pytorch.py MODEL_DIR INPUTS.f32 EXPECTED.f32

MODEL_DIR holds model.json and model.safetensors; INPUTS.f32 holds raw input rows and
EXPECTED.f32 Backprop's probabilities for them, both little-endian float32, row-major.
Only the documented key map is used (see the ModelFiles article and
schemas/model.schema.json): the preprocessing steps in order, the layer list as an
nn.Sequential held as the attribute `layers`, so that the state_dict keys are the tensor
names, then the output function.

Prints one JSON object: the largest absolute difference, the row count and the modules.
Exits with status 3 (a skip) when PyTorch or NumPy is not installed.
"""
import json
import struct
import sys

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as error:
    print(f"PyTorch and NumPy are needed: {error}", file=sys.stderr)
    sys.exit(3)


class Network(nn.Module):
    """The state_dict keys of model.safetensors: an nn.Sequential held as `layers`."""

    def __init__(self, modules):
        super().__init__()
        self.layers = nn.Sequential(*modules)

    def forward(self, x):
        return self.layers(x)


class Maxout(nn.Module):
    """Unit u is the maximum of inputs u·pieces … u·pieces + pieces − 1."""

    def __init__(self, units, pieces):
        super().__init__()
        self.units, self.pieces = units, pieces

    def forward(self, x):
        return x.view(x.shape[0], self.units, self.pieces).amax(dim=2)


class Scale(nn.Module):
    """Vanilla dropout at inference: multiplies by the keep probability."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def read_safetensors(path):
    """The tensors of a safetensors file, by name (float32 and float64 only)."""
    with open(path, "rb") as handle:
        blob = handle.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    dtypes = {"F32": np.float32, "F64": np.float64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        values = np.frombuffer(data[start:end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(values.astype(np.float64))
    return tensors


def module(entry):
    """The PyTorch module of one entry of the layer list."""
    kind, width = entry["kind"], entry["in_features"]
    if kind == "linear":
        return nn.Linear(width, entry["out_features"], bias=entry["bias"])
    if kind == "batch-norm":
        return nn.BatchNorm1d(width, eps=entry["eps"], momentum=entry["momentum"])
    if kind == "prelu":
        return nn.PReLU(num_parameters=width)
    if kind == "maxout":
        return Maxout(entry["out_features"], entry["pieces"])
    if kind == "dropout":
        if entry["style"] == "vanilla":
            return Scale(1 - entry["p"])
        return nn.AlphaDropout(entry["p"]) if entry["style"] == "alpha" else nn.Dropout(entry["p"])
    if kind == "leaky-relu":
        return nn.LeakyReLU(entry["negative_slope"])
    if kind == "elu":
        return nn.ELU(entry["alpha"])
    simple = {"identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
              "gelu": nn.GELU, "silu": nn.SiLU, "selu": nn.SELU, "gaussian-noise": nn.Identity}
    if kind == "softmax":
        return nn.Softmax(dim=1)
    return simple[kind]()


def preprocess(x, steps):
    """The fitted steps in order: (x − shift)·scale + offset, or (x − shift)·P."""
    for step in steps:
        x = x - torch.tensor(step["shift"], dtype=torch.float64)
        if step["projection"]:
            projection = torch.tensor(step["projection"], dtype=torch.float64)
            x = x @ projection.reshape(step["inputCount"], step["outputCount"])
        else:
            x = x * torch.tensor(step["scale"], dtype=torch.float64) + torch.tensor(step["offset"], dtype=torch.float64)
    return x


def main():
    folder, inputs_path, expected_path = sys.argv[1:4]
    with open(f"{folder}/model.json", encoding="utf-8") as handle:
        manifest = json.load(handle)
    if manifest["format_version"] < 2:
        print("the layer list needs format_version 2", file=sys.stderr)
        sys.exit(1)
    layers = manifest["layers"]
    network = Network([module(entry) for entry in layers]).double()
    state = read_safetensors(f"{folder}/model.safetensors")
    # nn.BatchNorm1d counts its training batches; Backprop keeps no such counter.
    for index, entry in enumerate(layers):
        if entry["kind"] == "batch-norm":
            state[f"layers.{index}.num_batches_tracked"] = torch.tensor(0)
    network.load_state_dict(state, strict=True)
    network.eval()

    features = manifest["feature_count"]
    raw = torch.from_numpy(np.fromfile(inputs_path, dtype="<f4").astype(np.float64)).reshape(-1, features)
    expected = np.fromfile(expected_path, dtype="<f4").astype(np.float64).reshape(raw.shape[0], -1)
    with torch.no_grad():
        logits = network(preprocess(raw, manifest["preprocessing"]["steps"]))
        output = manifest["output"]
        probabilities = {"softmax": lambda z: torch.softmax(z, dim=1), "sigmoid": torch.sigmoid,
                         "identity": lambda z: z}[output](logits)
    difference = float(np.max(np.abs(probabilities.numpy() - expected)))
    print(json.dumps({"max_abs_diff": difference, "rows": int(raw.shape[0]),
                      "modules": [type(m).__name__ for m in network.layers], "torch": torch.__version__}))


if __name__ == "__main__":
    main()
