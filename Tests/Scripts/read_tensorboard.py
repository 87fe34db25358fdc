"""Reads a TensorBoard log folder with TensorBoard's own EventAccumulator.

Usage: read_tensorboard.py FOLDER

Prints one JSON object: "scalars" maps each tag to [[step, value], ...], "histograms" maps
each tag to [[step, num, bucket_total], ...], "texts" maps each tag to its strings. Exits
with status 3 when tensorboard is missing.
"""
import json
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator
except ImportError as error:
    print(f"missing package: {error}", file=sys.stderr)
    sys.exit(3)


def main():
    accumulator = event_accumulator.EventAccumulator(sys.argv[1], size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    result = {
        "scalars": {tag: [[event.step, event.value] for event in accumulator.Scalars(tag)] for tag in tags["scalars"]},
        "histograms": {
            tag: [[event.step, event.histogram_value.num, sum(event.histogram_value.bucket)] for event in accumulator.Histograms(tag)]
            for tag in tags["histograms"]
        },
        "texts": {
            tag: [value.decode() for event in accumulator.Tensors(tag) for value in event.tensor_proto.string_val]
            for tag in tags["tensors"]
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
