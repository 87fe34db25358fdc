#!/usr/bin/env bash
# Runs the benchmark suite: Backprop (release build) and every available reference engine,
# one after another, then prints one table and writes Benchmarks/results/latest.{json,md}
# (latest-busy-core.{json,md} with --busy-core).
#
#   Benchmarks/run.sh [--quick] [--rounds N] [--cases SUBSTRING,…] [--engines backprop,numpy,pytorch,jax]
#                     [--data auto|synthetic|mnist] [--busy-core]
#
# --rounds N (default 1) runs every engine N times in turn and keeps each engine's best
# round: on a shared machine whose speed drifts, no engine is judged on its slow spell.
# --quick times a fraction of an epoch per case (about 1 s) and extrapolates to seconds per
# epoch; without it every repeat is a full epoch. The reference engines need
# Benchmarks/.venv (made by Benchmarks/setup-python.sh, run automatically when missing);
# an engine that cannot be imported is reported as unavailable and skipped.
# --data: every engine trains on MNIST's 60000 training images (standardised) from the IDX
# files in the folder $BACKPROP_MNIST_DIR names, or on the synthetic MNIST-shaped set; auto
# (the default) takes MNIST when that variable names a folder holding its training files, and
# otherwise says why it skips MNIST and uses the synthetic set.
# --busy-core keeps one core busy for the whole run with a second process (`yes > /dev/null`,
# a stress-style load), to measure every engine while another program holds a core.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

quick=""
rounds=1
cases=""
engines="backprop,numpy,pytorch,jax"
data=auto
busy_core=no
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick="--quick" ;;
        --rounds) rounds="$2"; shift ;;
        --cases) cases="$2"; shift ;;
        --engines) engines="$2"; shift ;;
        --data) data="$2"; shift ;;
        --busy-core) busy_core=yes ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --rounds needs a positive whole number, got '$rounds'" >&2; exit 2; }
mnist="${BACKPROP_MNIST_DIR:-}"
[ -n "$mnist" ] && mnist="$(cd "$mnist" 2>/dev/null && pwd || echo "$mnist")"
has_mnist() { [ -n "$mnist" ] || return 1; for name in train-images-idx3-ubyte train-labels-idx1-ubyte; do
    [ -f "$mnist/$name" ] || [ -f "$mnist/$name.gz" ] || return 1; done; }
why_no_mnist() { if [ -z "$mnist" ]; then echo "BACKPROP_MNIST_DIR is not set"
    else echo "no MNIST training files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]) in $mnist"; fi; }
case "$data" in
    auto) if has_mnist; then export BENCH_MNIST="$mnist"
          else echo "run.sh: skipping MNIST ($(why_no_mnist)); using the synthetic set" >&2; unset BENCH_MNIST; fi ;;
    mnist) has_mnist || { echo "run.sh: --data mnist: $(why_no_mnist); set BACKPROP_MNIST_DIR to the folder of the MNIST files" >&2; exit 2; }
           export BENCH_MNIST="$mnist" ;;
    synthetic) unset BENCH_MNIST ;;
    *) echo "run.sh: --data takes auto, synthetic or mnist, got '$data'" >&2; exit 2 ;;
esac
data_name=$([ -n "${BENCH_MNIST:-}" ] && echo "MNIST training set ($BENCH_MNIST)" || echo "synthetic")
echo "== data: $data_name" >&2
case_arguments=()
[ -n "$cases" ] && case_arguments=(--cases "$cases")
wants() { [[ ",$engines," == *",$1,"* ]]; }

export BENCH_THREADS=${BENCH_THREADS:-2}
# Backprop runs with its default thread count unless told (as `backprop train` does: never
# more than the peers' BENCH_THREADS).
backprop_threads=${BENCH_BACKPROP_THREADS:-auto}
results="$here/results"
mkdir -p "$results/raw"
rm -f "$results"/raw/*.jsonl

load() { cut -d' ' -f1-3 /proc/loadavg; }
load_before=$(load)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

# MARK: - Preparation
binary="$root/.build/release/BackpropBenchmarks"
preload=""
if wants backprop; then
    echo "== building BackpropBenchmarks (release)" >&2
    (cd "$root" && swift build -c release --product BackpropBenchmarks >&2 && swift build -c release --product backprop >&2) \
        || { echo "run.sh: build failed" >&2; exit 1; }
    counter="$root/.build/benchmarks/liballocation_counter.so"
    if command -v gcc >/dev/null && mkdir -p "$(dirname "$counter")" \
        && gcc -O2 -shared -fPIC -o "$counter" "$here/allocation-counter/allocation_counter.c"; then
        preload="$counter"
    else
        echo "run.sh: no C compiler; allocations per step will not be counted" >&2
    fi
fi
python="$here/.venv/bin/python"
if wants numpy || wants pytorch || wants jax; then
    if [ ! -x "$python" ]; then
        echo "== Benchmarks/.venv missing: running setup-python.sh" >&2
        "$here/setup-python.sh" >&2 || echo "run.sh: setup-python.sh reported a problem" >&2
    fi
fi

# MARK: - Load
busy_pid=""
stop_busy_core() { [ -n "$busy_pid" ] && kill "$busy_pid" 2>/dev/null; busy_pid=""; }
trap stop_busy_core EXIT
if [ "$busy_core" = yes ]; then
    yes > /dev/null &
    busy_pid=$!
    echo "== keeping one core busy (yes > /dev/null, pid $busy_pid)" >&2
fi

# MARK: - Engines
run_backprop() {  # round
    wants backprop || return 0
    echo "== backprop (round $1 of $rounds)" >&2
    LD_PRELOAD="$preload" "$binary" $quick "${case_arguments[@]}" --threads "$backprop_threads" > "$results/raw/backprop-$1.jsonl" \
        || echo "run.sh: the Backprop benchmark failed" >&2
}
# `backprop train` itself, as a user runs it (run folder, checkpoint every epoch, monitor,
# report): seconds per epoch = (time of 4 epochs − time of 1 epoch) / 3, so that loading
# the data, the final evaluation and the reports cancel. Two such pairs per round, as the
# step loop and the peers time several repeats; the table keeps the best. MNIST only: the
# command cannot read the benchmark's synthetic set.
time_backprop_train() {  # identifier flags epochs → seconds on standard output
    local folder start
    folder=$(mktemp -d)
    start=$(date +%s.%N)
    # shellcheck disable=SC2086  # the flags are one word each, tab-separated
    if "$root/.build/release/backprop" train --data "mnist:$BENCH_MNIST" $2 --epochs "$3" "${threads[@]}" \
        --out "$folder/run" > /dev/null 2>&1; then
        awk -v start="$start" -v end="$(date +%s.%N)" 'BEGIN { print end - start }'
    else
        echo "run.sh: backprop train failed on $1" >&2
    fi
    rm -rf "$folder"
}
run_backprop_train() {  # round
    wants backprop || return 0
    local output="$results/raw/backprop-train-$1.jsonl"
    if [ -z "${BENCH_MNIST:-}" ]; then
        echo '{"engine": "backprop-train", "case": "*", "metric": "unavailable", "value": null, "reason": "times MNIST only (the synthetic set is the benchmark'"'"'s own)"}' > "$output"
        return 0
    fi
    echo "== backprop train (round $1 of $rounds)" >&2
    local threads=()  # seen by time_backprop_train
    [ "$backprop_threads" != auto ] && threads=(--threads "$backprop_threads")
    : > "$output"
    "$binary" --train-flags "${case_arguments[@]}" | while IFS=$'\t' read -r identifier flags; do
        for _ in 1 2; do
            local one four
            one=$(time_backprop_train "$identifier" "$flags" 1)
            four=$(time_backprop_train "$identifier" "$flags" 4)
            [ -n "$one" ] && [ -n "$four" ] || continue 2
            python3 -c 'import json, sys
one, four = (float(x) for x in sys.argv[2:4])
print(json.dumps({"engine": "backprop-train", "case": sys.argv[1], "metric": "seconds_per_epoch", "value": (four - one) / 3,
                  "unit": "s/epoch", "seconds_1_epoch": one, "seconds_4_epochs": four, "flags": sys.argv[4]}))' \
                "$identifier" "$one" "$four" "$flags" >> "$output"
        done
    done
}
run_reference() {  # engine script round
    local engine=$1 script=$2 round=$3
    wants "$engine" || return 0
    if [ ! -x "$python" ]; then
        echo "{\"engine\": \"$engine\", \"case\": \"*\", \"metric\": \"unavailable\", \"value\": null, \"reason\": \"no Python environment\"}" > "$results/raw/$engine-$round.jsonl"
        return 0
    fi
    echo "== $engine (round $round of $rounds)" >&2
    (cd "$here/reference" && timeout 1800 "$python" "$script" $quick "${case_arguments[@]}") > "$results/raw/$engine-$round.jsonl" \
        || echo "run.sh: $engine exited with an error (its finished cases are kept)" >&2
}
for round in $(seq 1 "$rounds"); do
    run_backprop "$round"
    run_backprop_train "$round"
    run_reference numpy numpy_mlp.py "$round"
    run_reference pytorch torch_mlp.py "$round"
    run_reference jax jax_mlp.py "$round"
done

stop_busy_core

# MARK: - Table
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
python3 - "$results/machine.json" <<PY
import json, sys
machine = {"cpu": "$cpu", "cores": $(nproc), "date": "$started",
           "mode": "${quick:-full}".lstrip("-"), "rounds": $rounds, "load_before": "$load_before", "load_after": "$(load)",
           "threads": $BENCH_THREADS, "busy_core": "$busy_core", "OPENBLAS_CORETYPE": "${OPENBLAS_CORETYPE:-unset}",
           "OPENBLAS_L2_SIZE": "${OPENBLAS_L2_SIZE:-unset}", "data": "$data_name"}
json.dump(machine, open(sys.argv[1], "w"), indent=1)
PY
python3 "$here/report.py" "$results" "$([ "$busy_core" = yes ] && echo latest-busy-core || echo latest)"
