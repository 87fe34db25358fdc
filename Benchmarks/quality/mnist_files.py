"""Reads the four IDX files of MNIST-format data sets (gzip or raw) with NumPy."""

import gzip
import os

import numpy as np

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def read_idx(path):
    """An IDX file as an array (images flattened to rows of float64, labels as int64)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    dimensions = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dimensions)]
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions)
    if dimensions == 1:
        return values.astype(np.int64)
    return values.reshape(shape[0], -1).astype(np.float64)


def load_idx_folder(folder):
    """(train images, train labels, test images, test labels) from `folder`."""
    paths = []
    for name in FILES:
        candidates = [os.path.join(folder, name + suffix) for suffix in (".gz", "")]
        found = [path for path in candidates if os.path.exists(path)]
        if not found:
            raise SystemExit(f"{folder}: {name}(.gz) not found")
        paths.append(found[0])
    return tuple(read_idx(path) for path in paths)


def split_indices(count, shares, seed):
    """The rows of the training share of a seeded random split of `count` rows."""
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[:int(round(shares[0] / sum(shares) * count))])
