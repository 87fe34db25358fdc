"""Shared setup of the reference benchmarks: threads, data, cases, timing, output.

Import this module BEFORE numpy, torch or jax: it pins every thread pool to
BENCH_THREADS (default 2) through the environment, which the libraries read when
they load.

Every engine runs the same cases on the same data (MNIST's training set, standardised,
when BENCH_MNIST names its folder; else synthetic):
  - features: 60000 x 784 float32, uniform in [-1, 1) (centred, like standardised
    MNIST), from numpy's PCG64 with seed 20261122; labels: the argmax of x·T for a fixed
    standard-normal 784 x 10 "teacher" T from the same generator, so the task is
    learnable. (With all-positive inputs Adam switches off almost every ReLU unit within
    200 steps; the first moments of the dead weights then decay into subnormal floats
    and stay at the smallest one, which slows every later update.)
  - the rows are permuted once (same seed) before timing, and step i trains on the
    contiguous rows [i*b, (i+1)*b) of the permuted data (no per-step gather);
  - weights and biases start uniform in +-1/sqrt(fan_in) (PyTorch's nn.Linear rule).

Output: one JSON object per line on stdout,
  {"engine": ..., "case": ..., "metric": ..., "value": ..., "unit": ..., ...}
with extra keys saying how the number was measured (batches timed, extrapolation).
"""

import json
import os
import sys
import time

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_name] = str(THREADS)
# XLA's CPU client sizes its intra-op pool from this flag.
os.environ.setdefault(
    "XLA_FLAGS", f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={THREADS}")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402  (after the thread environment is set)

SAMPLES = 60000
FEATURES = 784
CLASSES = 10
SEED = 20261122

# id -> (layer sizes, hidden activation, optimiser, batch size)
TRAINING_CASES = {
    "a-784-256-10-relu-adam-b32": ([784, 256, 10], "relu", "adam", 32),
    "a-784-256-10-relu-adam-b128": ([784, 256, 10], "relu", "adam", 128),
    "a-784-256-10-relu-adam-b1024": ([784, 256, 10], "relu", "adam", 1024),
    "b-784-1024-1024-10-relu-adam-b128": ([784, 1024, 1024, 10], "relu", "adam", 128),
    "b-784-1024-1024-10-relu-adam-b1024": ([784, 1024, 1024, 10], "relu", "adam", 1024),
    "c-784-100-10-sigmoid-sgd-b10": ([784, 100, 10], "sigmoid", "sgd", 10),
}
# id -> (layer sizes, hidden activation, batch size)
INFERENCE_CASES = {
    "d-784-256-10-inference-b1": ([784, 256, 10], "relu", 1),
    "d-784-256-10-inference-b1024": ([784, 256, 10], "relu", 1024),
}

ADAM = dict(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
SGD_LEARNING_RATE = 0.1


def parse_arguments(argv=None):
    """--quick (time budget per case) and --cases a,b (substring filters)."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="time a fraction of an epoch and extrapolate")
    parser.add_argument("--cases", default="",
                        help="comma-separated substrings; run only matching case ids")
    arguments = parser.parse_args(argv)
    arguments.filters = [item for item in arguments.cases.split(",") if item]
    return arguments


def selected(case_id, arguments):
    return not arguments.filters or any(item in case_id for item in arguments.filters)


def read_idx(directory, name, magic):
    """The array in IDX file `name` (raw or .gz) of `directory`, checked against `magic`."""
    import gzip
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            break
    else:
        sys.exit(f"BENCH_MNIST: no {name}[.gz] in {directory}")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        content = handle.read()
    found = int.from_bytes(content[0:4], "big")
    if found != magic:
        sys.exit(f"{path}: magic number {found}, expected {magic}")
    rank = magic & 0xFF
    shape = [int.from_bytes(content[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    values = np.frombuffer(content, dtype=np.uint8, offset=4 + 4 * rank)
    if values.size != int(np.prod(shape)):
        sys.exit(f"{path}: {values.size} values for shape {shape}")
    return values.reshape(shape)


def make_data():
    """(features float32 60000x784, labels int64, name): MNIST's training set when
    BENCH_MNIST names its folder (standardised as (pixel/255 - 0.1307)/0.3081, file order),
    else the permuted synthetic set."""
    directory = os.environ.get("BENCH_MNIST", "")
    if directory:
        images = read_idx(directory, "train-images-idx3-ubyte", 2051).reshape(-1, FEATURES)
        labels = read_idx(directory, "train-labels-idx1-ubyte", 2049).astype(np.int64)
        if images.shape[0] != SAMPLES or labels.shape[0] != SAMPLES:
            sys.exit(f"BENCH_MNIST: {images.shape[0]} images and {labels.shape[0]} labels, expected {SAMPLES}")
        features = ((images.astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081))
        return np.ascontiguousarray(features), np.ascontiguousarray(labels), f"mnist {directory}"
    generator = np.random.default_rng(SEED)
    features = generator.random((SAMPLES, FEATURES), dtype=np.float32) * np.float32(2) - np.float32(1)
    teacher = generator.standard_normal((FEATURES, CLASSES)).astype(np.float32)
    labels = np.argmax(features @ teacher, axis=1).astype(np.int64)
    order = generator.permutation(SAMPLES)
    features = np.ascontiguousarray(features[order])
    labels = np.ascontiguousarray(labels[order])
    return features, labels, "synthetic"


def initial_parameters(sizes, seed=SEED):
    """[(weight out x in, bias out)] uniform in +-1/sqrt(fan_in), float32."""
    generator = np.random.default_rng(seed + 1)
    parameters = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weight = generator.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        bias = generator.uniform(-bound, bound, fan_out).astype(np.float32)
        parameters.append((weight, bias))
    return parameters


def budgets(quick):
    """(seconds per repeat, repeats, warm-up steps) for training cases."""
    return (0.2, 5, 20) if quick else (None, 3, 50)


def warm_up(call, count, steps_per_epoch, seconds, synchronize):
    """Calls `call(i)` `count` times, then on until `seconds` have passed since the start."""
    start = time.perf_counter()
    index = 0
    while index < count or time.perf_counter() - start < seconds:
        call(index % steps_per_epoch)
        index += 1
    synchronize()


def time_training(step, batch, quick, synchronize=lambda: None, warmup_seconds=0.0):
    """Times `step(i)` over contiguous batches; returns the JSON fields of the result.

    Warm-up: budgets(quick) steps, and for compiled engines at least `warmup_seconds`
    (torch.compile runs a slow path for its first seconds while it finishes compiling).
    Quick mode: each of 5 repeats runs until 0.2 s have passed (at least 5 steps) or an
    epoch ends; full mode: each repeat is one full epoch of floor(60000/batch) steps.
    The best repeat's time per step, times 60000/batch, is the seconds per epoch.
    """
    steps_per_epoch = SAMPLES // batch
    budget, repeats, warmup = budgets(quick)
    warm_up(step, warmup, steps_per_epoch, warmup_seconds, synchronize)
    best = float("inf")
    measured = 0
    for _ in range(repeats):
        count = 0
        start = time.perf_counter()
        while True:
            step(count % steps_per_epoch)
            count += 1
            if count >= steps_per_epoch:
                break
            if budget is not None and count >= 5 and count % 5 == 0:
                synchronize()
                if time.perf_counter() - start >= budget:
                    break
        synchronize()
        elapsed = time.perf_counter() - start
        if elapsed / count < best:
            best = elapsed / count
            measured = count
    return {
        "value": best * SAMPLES / batch,
        "unit": "s/epoch",
        "seconds_per_step": best,
        "steps_timed": measured,
        "steps_per_epoch": SAMPLES / batch,
        "extrapolated": measured < steps_per_epoch,
        "repeats": repeats,
        "statistic": "best repeat",
    }


def time_inference(run, batch, quick, synchronize=lambda: None, warmup_seconds=0.0):
    """Times `run(i)` (a forward pass on batch i); returns samples/s fields."""
    steps_per_epoch = SAMPLES // batch
    budget = 0.15 if quick else 1.5
    warm_up(run, min(50, steps_per_epoch), steps_per_epoch, warmup_seconds, synchronize)
    best = float("inf")
    measured = 0
    for _ in range(5 if quick else 3):
        count = 0
        start = time.perf_counter()
        while True:
            run(count % steps_per_epoch)
            count += 1
            if count % 10 == 0:
                synchronize()
                if time.perf_counter() - start >= budget:
                    break
        synchronize()
        elapsed = time.perf_counter() - start
        if elapsed / count < best:
            best, measured = elapsed / count, count
    return {
        "value": batch / best,
        "unit": "samples/s",
        "seconds_per_batch": best,
        "batches_timed": measured,
    }


def emit(engine, case, metric, fields, **extra):
    record = {"engine": engine, "case": case, "metric": metric}
    record.update(fields)
    record.update(extra)
    print(json.dumps(record), flush=True)


def emit_unavailable(engine, reason):
    print(json.dumps({"engine": engine, "case": "*", "metric": "unavailable",
                      "value": None, "reason": reason}), flush=True)


def training_flops(sizes, batch):
    """2*m*n*k summed over the step's GEMMs: forward, dW, and dX except the first layer."""
    total = 0
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        products = 3 if index > 0 else 2
        total += products * 2 * batch * fan_in * fan_out
    return total


def log(message):
    print(message, file=sys.stderr, flush=True)


def emit_environment(engine, **information):
    """One "environment" line: library versions and thread settings of an engine."""
    record = {"engine": engine, "case": "*", "metric": "environment", "value": None,
              "threads": THREADS}
    record.update(information)
    print(json.dumps(record), flush=True)
