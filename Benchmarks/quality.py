"""Learning quality: Backprop and PyTorch trained on the same recipes, several seeds each.

  python quality.py parity  [--seeds 3] [--only NAME…]
      The parity recipes of quality/parity/: prints both engines' test accuracy
      (mean ± std over the seeds) side by side and fails when Backprop's mean lies further
      than one PyTorch standard deviation + 0.2 points below or above PyTorch's.
  python quality.py speed [--only NAME…]
      The parity recipes once each (seed 1) in both engines: training seconds per epoch
      and PyTorch's time over Backprop's, so every technique the recipes use (dropout,
      batch norm, L2, momentum, label smoothing, the weight average, schedules) is timed
      on the path `backprop train` runs, not only the plain networks of Benchmarks/run.sh.
  python quality.py results [--seeds 3] [--only NAME…] [--write-readme]
      The best recipes of examples/ (one per data set): Backprop's test accuracy and
      training time, the PyTorch figure of the same recipe where it translates, as the
      Markdown table of the README's Results section (rewritten in place with --write-readme).

A recipe with `ema` is measured by its averaged weights (in both engines), the model it
exists to produce. An ensemble row trains its recipe's networks with `backprop ensemble`
(run k uses seeds 1 + (k − 1)·members …, so no two runs share a member) and reports the
accuracy of their averaged probabilities and the wall time of the whole command. Data: MNIST from $BACKPROP_MNIST_DIR, Fashion-MNIST from $BACKPROP_FASHION_MNIST_DIR
(folders of the four IDX files). Backprop runs the release build (`swift build -c release`),
or the binary named by $BACKPROP_BINARY.
Threads: BENCH_THREADS (default 2) for both engines.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BACKPROP = os.environ.get("BACKPROP_BINARY", os.path.join(ROOT, ".build", "release", "backprop"))
THREADS = os.environ.get("BENCH_THREADS", "2")

# name -> (config, data set, what the README row reports, ensemble members or 1)
RESULT_RECIPES = [
    ("mnist-best", "examples/mnist-best.yaml", "mnist", "MNIST, no augmentation", 1),
    ("mnist-ensemble", "examples/mnist-fast.yaml", "mnist", "MNIST, no augmentation, ensemble of 5", 5),
    ("mnist-fast", "examples/mnist-fast.yaml", "mnist", "MNIST, no augmentation, 2-minute budget", 1),
    ("mnist-augmented", "examples/mnist-augmented.yaml", "mnist", "MNIST, shifts + elastic distortions", 1),
    ("fashion-mnist-best", "examples/fashion-mnist-best.yaml", "fashion-mnist", "Fashion-MNIST, no augmentation", 1),
    ("cifar10-mlp", "examples/cifar10-mlp.yaml", "cifar-10", "CIFAR-10 (flattened), fully connected", 1),
]
DATA_FOLDERS = {"mnist": "BACKPROP_MNIST_DIR", "fashion-mnist": "BACKPROP_FASHION_MNIST_DIR",
                "cifar-10": "BACKPROP_CIFAR10_DIR"}


def cpu_name():
    """The processor's model name with its family and model numbers (Linux), else what
    Python knows."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or platform.machine()
    return f"{fields.get('model name', 'unknown CPU')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


def data_folder(data_set):
    folder = os.environ.get(DATA_FOLDERS[data_set])
    return folder if folder and os.path.isdir(folder) else None


def run_checked(command):
    """Runs a `backprop` command from the package root; its standard output, or an error
    that shows the command and what it printed on standard error."""
    finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}\n{finished.stderr.strip()}")
    return finished.stdout


def run_backprop(config, data_set, folder, seed):
    with tempfile.TemporaryDirectory() as out:
        output = run_checked([BACKPROP, "train", "--config", config, "--data", f"{data_set}:{folder}",
                              "--seed", str(seed), "--threads", THREADS, "--json",
                              "--out", out, "--force", "--checkpoint-every", "0"])
    result = json.loads(output.strip().splitlines()[-1])
    return result.get("ema_test_accuracy", result["test_accuracy"]), result["seconds"]


def run_backprop_ensemble(config, data_set, folder, seed, members):
    """Trains `members` networks of the recipe (seeds seed … seed + members − 1) and returns
    the test accuracy of their averaged probabilities and the wall time of the whole run."""
    started = time.monotonic()
    output = run_checked([BACKPROP, "ensemble", "--members", str(members), "--config", config,
                          "--data", f"{data_set}:{folder}", "--seed", str(seed), "--threads", THREADS, "--json"])
    result = json.loads(output)  # one JSON object over several lines
    members = ", ".join(f"{100 * member['test_accuracy']:.2f}" for member in result["members"])
    print(f"ensemble from seed {seed}: members {members} %", file=sys.stderr, flush=True)
    return result["ensemble_test_accuracy"], time.monotonic() - started


def run_pytorch(config, folder, seed):
    command = [sys.executable, os.path.join(HERE, "quality", "torch_recipe.py"), config,
               "--data", folder, "--seed", str(seed), "--threads", THREADS]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if finished.returncode != 0:
        return None, finished.stderr.strip().splitlines()[-1] if finished.stderr.strip() else "failed"
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    return (result.get("ema_test_accuracy", result["test_accuracy"]), result["seconds"]), None


def summary(values):
    mean = statistics.fmean(values)
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, spread


def percent(mean_and_spread):
    mean, spread = mean_and_spread
    return f"{100 * mean:.2f} ± {100 * spread:.2f} %"


def measure(name, config, data_set, seeds, with_pytorch=True, members=1):
    """Trains the recipe with seeds 1 … seeds (an ensemble: seeds 1, 1 + members, …, so no
    two runs share a member) in Backprop and, where asked and translatable, in PyTorch."""
    folder = data_folder(data_set)
    if folder is None:
        print(f"{name}: skipped, ${DATA_FOLDERS[data_set]} does not name a folder", file=sys.stderr)
        return None
    ours, theirs, problem = [], [], None
    if members > 1:
        with_pytorch, problem = False, "the translation trains single networks"
    for run in range(seeds):
        seed = 1 + run * members
        if members > 1:
            ours.append(run_backprop_ensemble(config, data_set, folder, seed, members))
        else:
            ours.append(run_backprop(config, data_set, folder, seed))
        print(f"{name} seed {seed}: backprop {100 * ours[-1][0]:.2f} % in {ours[-1][1]:.1f} s",
              file=sys.stderr, flush=True)
        if with_pytorch and problem is None:
            result, problem = run_pytorch(config, folder, seed)
            if result:
                theirs.append(result)
                print(f"{name} seed {seed}: pytorch  {100 * result[0]:.2f} % in {result[1]:.1f} s",
                      file=sys.stderr, flush=True)
    return {"backprop": ours, "pytorch": theirs, "pytorch_problem": problem}


def parity(arguments):
    rows, failures = [], []
    for name, path in parity_recipes(arguments):
        measured = measure(name, path, "mnist", arguments.seeds)
        if measured is None:
            continue
        if not measured["pytorch"]:
            failures.append(f"{name}: PyTorch did not run ({measured['pytorch_problem']})")
            continue
        ours = summary([accuracy for accuracy, _ in measured["backprop"]])
        theirs = summary([accuracy for accuracy, _ in measured["pytorch"]])
        tolerance = theirs[1] + 0.002
        within = abs(ours[0] - theirs[0]) <= tolerance
        rows.append(f"| {name} | {percent(ours)} | {percent(theirs)} | "
                    f"{100 * (ours[0] - theirs[0]):+.2f} | ±{100 * tolerance:.2f} | {'yes' if within else 'NO'} |")
        if not within:
            failures.append(f"{name}: Backprop {percent(ours)} vs PyTorch {percent(theirs)}")
    print(f"Parity on MNIST, {arguments.seeds} seeds, {cpu_name()}, {THREADS} threads, "
          f"{datetime.date.today().isoformat()}\n")
    print("| recipe | Backprop | PyTorch | difference (points) | tolerance | within |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    for failure in failures:
        print(f"outside the tolerance or not run: {failure}", file=sys.stderr)
    return 1 if failures else 0


def parity_recipes(arguments):
    """(name, path) of every parity recipe `--only` admits, in name order."""
    folder = os.path.join(HERE, "quality", "parity")
    names = sorted(file[:-5] for file in os.listdir(folder) if file.endswith(".yaml"))
    return [(name, os.path.join(folder, name + ".yaml")) for name in names
            if not arguments.only or name in arguments.only]


def recipe_epochs(path):
    import yaml
    with open(path) as handle:
        return yaml.safe_load(handle).get("epochs", 100)


def speed(arguments):
    rows = []
    for name, path in parity_recipes(arguments):
        measured = measure(name, path, "mnist", 1)
        if measured is None:
            continue
        epochs = recipe_epochs(path)
        ours = measured["backprop"][0][1] / epochs
        if measured["pytorch"]:
            theirs = measured["pytorch"][0][1] / epochs
            rows.append(f"| {name} | {ours:.2f} s | {theirs:.2f} s | {theirs / ours:.2f}× |")
        else:
            rows.append(f"| {name} | {ours:.2f} s | not run: {measured['pytorch_problem']} | |")
    print(f"Training seconds per epoch, MNIST, seed 1, {cpu_name()}, {THREADS} threads, "
          f"{datetime.date.today().isoformat()}\n")
    print("| recipe | Backprop | PyTorch | PyTorch / Backprop |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    return 0


def results(arguments):
    lines = [f"Measured {datetime.date.today().isoformat()} on {cpu_name()}, {THREADS} threads, "
             f"{arguments.seeds} seeds (mean ± standard deviation); times are training seconds "
             "per run, data loading excluded.", "",
             "| data set | recipe | Backprop test accuracy | training time | PyTorch, same recipe |",
             "|---|---|---|---|---|"]
    for name, config, data_set, title, members in RESULT_RECIPES:
        if arguments.only and name not in arguments.only:
            continue
        path = os.path.join(ROOT, config)
        if not os.path.exists(path):
            continue
        measured = measure(name, path, data_set, arguments.seeds, with_pytorch=not arguments.no_pytorch, members=members)
        command = (f"`backprop ensemble --members {members} --config {config} --data {data_set}:DIR`" if members > 1
                   else f"`backprop train --config {config} --data {data_set}:DIR`")
        if measured is None:
            lines.append(f"| {title} | {command} | not measured: the data set was not present | | |")
            continue
        ours = summary([accuracy for accuracy, _ in measured["backprop"]])
        seconds = summary([time for _, time in measured["backprop"]])
        if measured["pytorch"]:
            theirs = summary([accuracy for accuracy, _ in measured["pytorch"]])
            their_seconds = summary([time for _, time in measured["pytorch"]])
            pytorch = f"{percent(theirs)} in {their_seconds[0]:.0f} s"
        else:
            pytorch = f"not run: {measured['pytorch_problem'] or 'skipped'}"
        lines.append(f"| {title} | {command} | {percent(ours)} | {seconds[0]:.0f} s | {pytorch} |")
    table = "\n".join(lines)
    print(table)
    if arguments.write_readme:
        readme = os.path.join(ROOT, "README.md")
        with open(readme) as handle:
            text = handle.read()
        begin, end = "<!-- results:begin -->", "<!-- results:end -->"
        if begin not in text or end not in text:
            raise SystemExit("README.md has no results markers")
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        temporary = readme + ".tmp"
        with open(temporary, "w") as handle:
            handle.write(f"{head}{begin}\n{table}\n{end}{tail}")
        os.replace(temporary, readme)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["parity", "speed", "results"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--no-pytorch", action="store_true", help="results: Backprop only")
    parser.add_argument("--write-readme", action="store_true")
    arguments = parser.parse_args()
    if not os.path.exists(BACKPROP):
        raise SystemExit(f"{BACKPROP} not found: run `swift build -c release` first")
    return {"parity": parity, "speed": speed, "results": results}[arguments.mode](arguments)


if __name__ == "__main__":
    sys.exit(main())
