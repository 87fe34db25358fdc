#!/usr/bin/env bash
# Data-parallel scaling on this machine: the training time of one epoch-set for 1 rank × 2
# threads against 2 ranks × 1 thread (mpirun), same recipe, release build. Prints one line per
# layout with the seconds `backprop train --json` reports and the dev accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mpirun >/dev/null || { echo "scaling: no mpirun (install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
swift build -c release --product backprop >/dev/null
binary=.build/release/backprop
layers=${SCALING_LAYERS:-784,256,10}
recipe=(train --data "blobs:n=12000,classes=10,dimensions=784" --layers "$layers" --optimizer adam --lr 0.001
        --batch-size "${SCALING_BATCH:-128}" --epochs 2 --checkpoint-every 0 --json)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
summary() { python3 -c 'import json,sys; d=json.load(sys.stdin); print("%s: %.2f s, dev accuracy %.4f" % (sys.argv[1], d["seconds"], d["dev_accuracy"]))' "$1"; }
for round in 1 2 3; do
    "$binary" "${recipe[@]}" --threads 2 --out "$scratch/one-$round" | summary "1 rank x 2 threads"
    mpirun --allow-run-as-root --oversubscribe -np 2 "$binary" "${recipe[@]}" --threads 1 --out "$scratch/two-$round" \
        | summary "2 ranks x 1 thread"
done
