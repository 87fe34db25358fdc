"""Builds the benchmark table from the engines' JSON lines.

Usage: python3 report.py RESULTS_DIR [NAME]  (reads RESULTS_DIR/raw/*.jsonl and
RESULTS_DIR/machine.json, writes RESULTS_DIR/NAME.json and RESULTS_DIR/NAME.md, NAME
`latest` unless given, and prints the table). Standard library only, so it runs without the benchmark venv.

With several rounds (run.sh --rounds N) every engine keeps its best round, so a slow
spell of a shared machine does not decide the comparison.

Ratio = best peer's time / Backprop's time (training: `backprop train` itself when run.sh
timed it, else the `Trainer`) or Backprop's samples/s / best peer's samples/s (inference):
above 1.0 Backprop is faster.
"""

import glob
import json
import os
import sys

ENGINES = ["backprop-train", "backprop", "numpy", "pytorch", "pytorch-compiled", "jax"]
OWN = ("backprop", "backprop-train")
# Backprop's bfloat16 rows have no peers of their own: they are compared with the peers of
# the float32 case whose id they extend.
BF16_SUFFIX = "-bf16"
CASE_ORDER = [
    "a-784-256-10-relu-adam-b32",
    "a-784-256-10-relu-adam-b128",
    "a-784-256-10-relu-adam-b128-bf16",
    "a-784-256-10-relu-adam-b1024",
    "a-784-256-10-relu-adam-b1024-bf16",
    "b-784-1024-1024-10-relu-adam-b128",
    "b-784-1024-1024-10-relu-adam-b1024",
    "b-784-1024-1024-10-relu-adam-b1024-bf16",
    "c-784-100-10-sigmoid-sgd-b10",
    "d-784-256-10-inference-b1",
    "d-784-256-10-inference-b1024",
]


def read_lines(directory):
    records = []
    for path in sorted(glob.glob(os.path.join(directory, "raw", "*.jsonl"))):
        with open(path) as handle:
            for line in handle:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    return records


def format_value(record):
    if record is None or record.get("value") is None:
        return "—"
    value = record["value"]
    if record["metric"] == "seconds_per_epoch":
        text = f"{value:.3g} s" if value < 100 else f"{value:.0f} s"
    else:
        text = f"{value / 1000:.3g}k/s" if value >= 1000 else f"{value:.3g}/s"
        if record.get("seconds_per_batch") is not None and "-b1" in record["case"] and not record["case"].endswith("b1024"):
            text += f" ({record['seconds_per_batch'] * 1e6:.0f} µs)"
    return text


def better(record, kept):
    """Whether `record` beats `kept` (same engine, case and metric, another round): fewer
    seconds per epoch, more samples or GFLOP/s. A missing value never wins."""
    if record.get("value") is None:
        return kept is None
    if kept is None or kept.get("value") is None:
        return True
    if record["metric"] == "seconds_per_epoch":
        return record["value"] < kept["value"]
    return record["value"] > kept["value"]


def combined_command_time(record, kept):
    """The command's seconds per epoch over every pair of runs so far: (fastest 4-epoch run −
    fastest 1-epoch run) / 3. The fastest difference of single pairs would favour a pair
    whose 1-epoch run happened to be slow."""
    if kept is None:
        return dict(record)
    merged = dict(kept)
    merged["seconds_1_epoch"] = min(kept["seconds_1_epoch"], record["seconds_1_epoch"])
    merged["seconds_4_epochs"] = min(kept["seconds_4_epochs"], record["seconds_4_epochs"])
    merged["value"] = (merged["seconds_4_epochs"] - merged["seconds_1_epoch"]) / 3
    return merged


def build(records, machine):
    results = {}
    environment = {}
    unavailable = {}
    products = {}
    for record in records:
        engine, metric = record.get("engine"), record.get("metric")
        if metric == "environment":
            environment[engine] = record
        elif metric == "unavailable":
            unavailable[engine] = record.get("reason")
        elif metric == "gemm_shape_gflops":
            shapes = products.setdefault(record["case"], {})
            if better(record, shapes.get(record.get("product"))):
                shapes[record.get("product")] = record
        elif engine == "backprop-train" and record.get("seconds_1_epoch") is not None:
            row = results.setdefault(record["case"], {})
            row[engine] = combined_command_time(record, row.get(engine))
        elif metric in ("seconds_per_epoch", "samples_per_second"):
            row = results.setdefault(record["case"], {})
            if better(record, row.get(engine)):
                row[engine] = record
    engines = [e for e in ENGINES if any(e in row for row in results.values())]
    rows = []
    for case in CASE_ORDER + sorted(set(results) - set(CASE_ORDER)):
        if case not in results:
            continue
        row = results[case]
        own = row.get("backprop")
        timed = row.get("backprop-train") or own
        peer_row = results.get(case[:-len(BF16_SUFFIX)], {}) if case.endswith(BF16_SUFFIX) else row
        peers = {e: r for e, r in peer_row.items() if e not in OWN and r.get("value")}
        best_engine, ratio = None, None
        if peers:
            if case.startswith("d-"):
                best_engine = max(peers, key=lambda e: peers[e]["value"])
                if own:
                    ratio = own["value"] / peers[best_engine]["value"]
            else:
                best_engine = min(peers, key=lambda e: peers[e]["value"])
                if timed and timed.get("value"):
                    ratio = peers[best_engine]["value"] / timed["value"]
        rows.append({
            "case": case,
            "metric": next(iter(row.values()))["metric"],
            "values": {e: (row[e]["value"] if e in row else None) for e in engines},
            "best_peer": best_engine if peer_row is row or best_engine is None else f"{best_engine} (float32)",
            "ratio_to_best_peer": ratio,
            "achieved_gflops": own.get("achieved_gflops") if own else None,
            "gemm_gflops": own.get("gemm_gflops") if own else None,
            "gemm_share": own.get("gemm_share") if own else None,
            "allocations_per_step": own.get("allocations_per_step") if own else None,
            "extrapolated": {e: row[e].get("extrapolated") for e in row if "extrapolated" in row[e]},
            "records": row,
        })
    return {"machine": machine, "environment": environment, "unavailable": unavailable,
            "engines": engines, "rows": rows,
            "gemm_shapes": {case: list(shapes.values()) for case, shapes in products.items()}}


def markdown(report):
    engines = report["engines"]
    header = (["case"] + engines + ["backprop step", "best peer", "ratio", "achieved GFLOP/s (% of peak)",
              "GEMM GFLOP/s (% of peak)", "allocs/step"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in report["rows"]:
        cells = [row["case"]]
        for engine in engines:
            cells.append(format_value(row["records"].get(engine)))
        own = row["records"].get("backprop") or {}
        step = own.get("step_seconds_per_epoch")
        cells.append(f"{step:.3g} s" if step else "—")
        cells.append(row["best_peer"] or "—")
        cells.append(f"{row['ratio_to_best_peer']:.2f}×" if row["ratio_to_best_peer"] else "—")
        def with_peak(value, fraction):
            if not value:
                return "—"
            return f"{value:.1f} ({fraction * 100:.0f} %)" if fraction else f"{value:.1f}"
        cells.append(with_peak(row["achieved_gflops"], own.get("peak_fraction")))
        cells.append(with_peak(row["gemm_gflops"], own.get("gemm_peak_fraction")))
        allocations = row["allocations_per_step"]
        trainer = own.get("trainer_allocations_per_step")
        # The Trainer's count is a difference of two fits: a few set-up allocations more in
        # the shorter one make it a tiny negative, which means none.
        through_trainer = "" if trainer is None else f" / {max(round(trainer, 2), 0):g}"
        cells.append("—" if allocations is None else f"{allocations:g}{through_trainer}")
        lines.append("| " + " | ".join(cells) + " |")
    notes = []
    machine = report.get("machine", {})
    if machine:
        notes.append(f"Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; "
                     f"Backprop Float GEMM: {report['environment'].get('backprop', {}).get('float_gemm_kernel', '?')}; "
                     f"Backprop BLAS: {report['environment'].get('backprop', {}).get('blas_configuration', '?')}; "
                     f"load average before/after: {machine.get('load_before', '?')} / {machine.get('load_after', '?')}; "
                     f"data: {machine.get('data', 'synthetic')}; "
                     f"mode: {machine.get('mode', '?')}, best of {machine.get('rounds', 1)} round(s) per engine; "
                     f"busy second core: {machine.get('busy_core', 'no')}; "
                     f"date: {machine.get('date', '?')}.")
        own = report["environment"].get("backprop", {})
        if own.get("peak_fma"):
            notes.append(f"Backprop: 'backprop-train' is seconds per epoch of the `backprop train` command as users run it "
                         f"(run folder, a checkpoint every epoch, monitor and report; (fastest 4-epoch run − fastest 1-epoch run)/3), and the "
                         f"ratio is taken from it when measured; 'backprop' is the same through `Trainer` alone "
                         f"(running-mean train metrics); 'backprop step' is its step loop alone; "
                         f"% of peak against the in-register FMA loop measured with each case "
                         f"(peak FMA: {own['peak_fma']}); rows ending in -bf16 run the products in bfloat16 "
                         f"(`--precision bf16`), are compared with the float32 case's peers and measured against the "
                         f"same float32 peak; threads {own.get('threads', '?')}; "
                         f"OpenBLAS kernel: {own.get('openblas_kernel_origin', '?')}.")
    for engine, info in report["environment"].items():
        if engine == "backprop":
            continue
        extra = ", ".join(f"{k} {v}" for k, v in info.items()
                          if k not in ("engine", "case", "metric", "value"))
        notes.append(f"{engine}: {extra}.")
    for engine, reason in report["unavailable"].items():
        notes.append(f"{engine} unavailable: {reason}.")
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {note}" for note in notes) + "\n"


def main():
    directory = sys.argv[1]
    stem = sys.argv[2] if len(sys.argv) > 2 else "latest"
    machine = {}
    machine_path = os.path.join(directory, "machine.json")
    if os.path.exists(machine_path):
        with open(machine_path) as handle:
            machine = json.load(handle)
    report = build(read_lines(directory), machine)
    text = markdown(report)
    for name, content in ((stem + ".json", json.dumps(report, indent=1, default=str)), (stem + ".md", text)):
        temporary = os.path.join(directory, name + ".tmp")
        with open(temporary, "w") as handle:
            handle.write(content)
        os.replace(temporary, os.path.join(directory, name))
    print(text)


if __name__ == "__main__":
    main()
