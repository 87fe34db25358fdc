"""PyTorch reference: nn.Sequential of nn.Linear, F.cross_entropy, torch.optim.Adam/SGD.

Engines: "pytorch" (eager) and "pytorch-compiled" (the model and loss wrapped in
torch.compile; the optimiser step stays eager, as usual). A compile failure is reported
as an "unavailable" line for that engine and the eager numbers still stand.
"""

import common  # sets the thread environment first

import os
import sys

# Compile in this process: Inductor's default pool of compile worker processes competes
# with the measured threads for the machine's 2 cores (steps then take ~8 ms, a scheduler
# time slice, until the pool goes quiet).
os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")

try:
    import torch
    import torch.nn.functional as F
except Exception as error:  # noqa: BLE001 - any import failure means "skip this engine"
    common.emit_unavailable("pytorch", f"import torch failed: {error}")
    common.emit_unavailable("pytorch-compiled", f"import torch failed: {error}")
    sys.exit(0)


WARMUP_SECONDS = 3.0


def build(sizes, activation):
    layers = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = torch.nn.Linear(fan_in, fan_out)
        weight, bias = common.initial_parameters(sizes)[index]
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight))
            linear.bias.copy_(torch.from_numpy(bias))
        layers.append(linear)
        if index < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def optimiser_for(model, name):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=common.SGD_LEARNING_RATE)
    settings = common.ADAM
    return torch.optim.Adam(model.parameters(), lr=settings["learning_rate"],
                            betas=(settings["beta1"], settings["beta2"]), eps=settings["epsilon"])


def run_engine(engine, compiled, arguments, features, labels):
    for case, (sizes, activation, optimiser_name, batch) in common.TRAINING_CASES.items():
        if not common.selected(case, arguments):
            continue
        model = build(sizes, activation)
        optimiser = optimiser_for(model, optimiser_name)

        def loss_of(x, y):
            return F.cross_entropy(model(x), y)

        forward_loss = torch.compile(loss_of) if compiled else loss_of

        def step(index):
            start = index * batch
            optimiser.zero_grad(set_to_none=True)
            loss = forward_loss(features[start:start + batch], labels[start:start + batch])
            loss.backward()
            optimiser.step()

        # A torch.compile'd function runs a slow path (~170 ms a step here) for its first
        # seconds while compilation finishes, hence a warm-up by time for that engine.
        fields = common.time_training(step, batch, arguments.quick, warmup_seconds=WARMUP_SECONDS if compiled else 0)
        common.emit(engine, case, "seconds_per_epoch", fields)
    for case, (sizes, activation, batch) in common.INFERENCE_CASES.items():
        if not common.selected(case, arguments):
            continue
        model = build(sizes, activation).eval()
        forward = torch.compile(model) if compiled else model

        def run(index):
            start = index * batch
            with torch.inference_mode():
                forward(features[start:start + batch])

        fields = common.time_inference(run, batch, arguments.quick, warmup_seconds=WARMUP_SECONDS if compiled else 0)
        common.emit(engine, case, "samples_per_second", fields)


def main():
    arguments = common.parse_arguments()
    torch.set_num_threads(common.THREADS)
    array_features, array_labels, data_name = common.make_data()
    features = torch.from_numpy(array_features)
    labels = torch.from_numpy(array_labels)
    for engine in ("pytorch", "pytorch-compiled"):
        common.emit_environment(engine, version=torch.__version__, torch_threads=torch.get_num_threads(),
                                cpu_capability=torch.backends.cpu.get_cpu_capability(), data=data_name)
    run_engine("pytorch", False, arguments, features, labels)
    try:
        run_engine("pytorch-compiled", True, arguments, features, labels)
    except Exception as error:  # noqa: BLE001 - report and carry on
        common.emit_unavailable("pytorch-compiled", f"torch.compile failed: {type(error).__name__}: {error}"[:300])


if __name__ == "__main__":
    main()
