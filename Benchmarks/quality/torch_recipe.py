"""Trains a Backprop recipe (a YAML config of `backprop train`) in PyTorch on the CPU.

The translation covers the keys the quality recipes use; any other key is an error, so a
recipe never runs in PyTorch with a setting silently left out. Conventions mapped:

- `init`: he = N(0, 2/fan_in), lecun = N(0, 1/fan_in), xavier = N(0, 2/(fan_in + fan_out)),
  xavier-sigmoid = 4 × xavier's std; `auto` as Backprop: He (ReLU family), Xavier (tanh),
  Xavier×4 (sigmoid) for hidden layers and Xavier for the output layer. Biases start at 0.
- `batch-norm: before` = Linear(no bias) → BatchNorm1d → activation; Backprop's running-average
  momentum k is PyTorch's `momentum = 1 − k`.
- `dropout p` is PyTorch's `Dropout(p)` after each hidden activation (inverted dropout).
- `l2 λ` is `weight_decay = λ/n` (n = training-set size) on the weight matrices only.
- `momentum` (v = βv + (1−β)g) is `SGD(lr = α(1−β), momentum = β)`; `classical-momentum`
  is `SGD(lr = α, momentum = μ)`.
- schedules are evaluated with Backprop's formulas and written into the optimiser.
- `ema d` keeps Backprop's average of the weights and batch-norm running statistics,
  d_t = min(d, (1 + t)/(10 + t)) after update t; its test accuracy is reported beside.
- `adversarial ε` (with `adversarial-weight w`, default 0.5) minimises
  w·J(x) + (1 − w)·J(x + ε·sign(∇ₓJ(x))), the input gradient taken through the same
  training-mode pass as the clean cost.
- a `split` with a second share reports the accuracy on those held-out training rows.

Usage: python torch_recipe.py CONFIG.yaml --data DIR --seed S [--threads N]
Prints one JSON object: test accuracy, training seconds.
"""

import argparse
import json
import math
import os
import sys
import time

from mnist_files import load_idx_folder, split_indices


def parse_setting(text):
    """`name:key=value,…` → (name, {key: float})."""
    name, _, rest = str(text).partition(":")
    options = {}
    for part in filter(None, rest.split(",")):
        key, _, value = part.partition("=")
        options[key.strip()] = float(value)
    return name.strip(), options


SUPPORTED = {
    "data", "scale", "split", "layers", "activation", "init", "loss", "optimizer", "lr",
    "batch-size", "epochs", "schedule", "dropout", "input-dropout", "batch-norm",
    "batch-norm-momentum", "batch-norm-epsilon", "l2", "label-smoothing", "seed", "ema",
    "adversarial", "adversarial-weight",
}


def load_config(path):
    import yaml
    with open(path) as handle:
        config = yaml.safe_load(handle)
    unknown = sorted(set(config) - SUPPORTED)
    if unknown:
        raise SystemExit(f"{path}: the PyTorch translation does not support {', '.join(unknown)}")
    return config


def learning_rate(schedule, base, epoch, step, epochs, steps_per_epoch):
    name, options = parse_setting(schedule or "constant")
    if name == "constant":
        return base
    if name == "cosine":
        by_steps = "length-steps" in options or "warmup-steps" in options
        t = step if by_steps else epoch
        total = int(options.get("length-steps" if by_steps else "length",
                                epochs * steps_per_epoch if by_steps else epochs))
        warmup = int(options.get("warmup-steps" if by_steps else "warmup", 0))
        floor = options.get("min", 0.0)
        if t < warmup:
            return base * (t + 1) / warmup
        progress = min((t - warmup) / (total - warmup), 1.0)
        return floor + (base - floor) * (1 + math.cos(math.pi * progress)) / 2
    if name == "step":
        return base * options.get("factor", 0.5) ** (epoch // int(options.get("every", 10)))
    if name == "one-cycle":
        peak = options.get("max", base)
        start = peak / options.get("div", 25.0)
        floor = start / options.get("final-div", 1e4)
        total = epochs * steps_per_epoch
        rise_end = options.get("pct", 0.3) * total - 1

        def anneal(begin, end, fraction):
            return end + (begin - end) / 2 * (1 + math.cos(math.pi * fraction))
        if step <= rise_end:
            return anneal(start, peak, step / rise_end)
        return anneal(peak, floor, (step - rise_end) / (total - 1 - rise_end))
    raise SystemExit(f"schedule {name} has no PyTorch translation")


def build_network(torch, config):
    nn = torch.nn
    sizes = config["layers"]
    activation, activation_options = parse_setting(config.get("activation", "relu"))
    hidden_count = len(sizes) - 2
    dropout = config.get("dropout", 0)
    drops = dropout if isinstance(dropout, list) else [dropout] * hidden_count
    batch_norm = config.get("batch-norm")
    bn_momentum = 1 - config.get("batch-norm-momentum", 0.9)
    bn_epsilon = config.get("batch-norm-epsilon", 1e-5)
    activations = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
                   "silu": nn.SiLU, "selu": nn.SELU, "elu": nn.ELU}
    if activation not in activations:
        raise SystemExit(f"activation {activation} has no PyTorch translation")
    modules, dense = [], []
    if config.get("input-dropout", 0) > 0:
        modules.append(nn.Dropout(config["input-dropout"]))
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = index == len(sizes) - 2
        linear = nn.Linear(fan_in, fan_out, bias=last or batch_norm != "before")
        dense.append((linear, last))
        modules.append(linear)
        if last:
            break
        if batch_norm == "before":
            modules.append(nn.BatchNorm1d(fan_out, eps=bn_epsilon, momentum=bn_momentum))
        modules.append(activations[activation]())
        if batch_norm == "after":
            modules.append(nn.BatchNorm1d(fan_out, eps=bn_epsilon, momentum=bn_momentum))
        if drops[index] > 0:
            modules.append(nn.Dropout(drops[index]))
    scheme = parse_setting(config.get("init", "auto"))[0]
    for linear, last in dense:
        fan_out, fan_in = linear.weight.shape
        chosen = scheme
        if scheme == "auto":
            chosen = "xavier" if last else {"relu": "he", "elu": "he", "gelu": "he", "silu": "he",
                                           "tanh": "xavier", "sigmoid": "xavier-sigmoid",
                                           "selu": "lecun"}[activation]
        std = {"he": math.sqrt(2 / fan_in), "lecun": math.sqrt(1 / fan_in),
               "xavier": math.sqrt(2 / (fan_in + fan_out)),
               "xavier-sigmoid": 4 * math.sqrt(2 / (fan_in + fan_out))}.get(chosen)
        if std is None:
            raise SystemExit(f"init {chosen} has no PyTorch translation")
        with torch.no_grad():
            linear.weight.normal_(0, std)
            if linear.bias is not None:
                linear.bias.zero_()
    return nn.Sequential(*modules)


def build_optimizer(torch, config, network, training_size):
    name, options = parse_setting(config.get("optimizer", "momentum"))
    lr = config.get("lr", 0.1)
    weights = [p for p in network.parameters() if p.dim() == 2]
    others = [p for p in network.parameters() if p.dim() != 2]
    decay = config.get("l2", 0) / training_size
    groups = [{"params": weights, "weight_decay": decay}, {"params": others, "weight_decay": 0}]
    optim = torch.optim
    if name == "sgd":
        return optim.SGD(groups, lr=lr), 1.0
    if name == "momentum":
        beta = options.get("beta", 0.9)
        return optim.SGD(groups, lr=lr * (1 - beta), momentum=beta), 1 - beta
    if name == "classical-momentum":
        return optim.SGD(groups, lr=lr, momentum=options.get("beta", 0.9)), 1.0
    if name == "adam":
        betas = (options.get("beta1", 0.9), options.get("beta2", 0.999))
        return optim.Adam(groups, lr=lr, betas=betas, eps=options.get("epsilon", 1e-8)), 1.0
    raise SystemExit(f"optimizer {name} has no PyTorch translation")


class WeightAverage:
    """Backprop's average of the weights and batch-norm running statistics."""

    def __init__(self, torch, network, decay):
        self.decay = decay
        self.live = [p.data for p in network.parameters()] + [
            b for name, b in network.named_buffers() if not name.endswith("num_batches_tracked")]
        self.averages = [tensor.clone() for tensor in self.live]

    def update(self, step):
        rate = min(self.decay, (1 + step) / (10 + step))
        for average, live in zip(self.averages, self.live):
            average.mul_(rate).add_(live, alpha=1 - rate)

    def swap(self):
        for average, live in zip(self.averages, self.live):
            saved = live.clone()
            live.copy_(average)
            average.copy_(saved)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--data", required=True, help="folder of the four IDX files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    arguments = parser.parse_args()
    config = load_config(arguments.config)

    import numpy as np
    import torch
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(arguments.seed)

    train_x, train_y, test_x, test_y = load_idx_folder(arguments.data)
    scale = config.get("scale", "unit")
    if scale == "unit":
        train_x, test_x = train_x / 255.0, test_x / 255.0
    elif scale == "mnist":
        train_x, test_x = train_x * 0.99 / 255 + 0.01, test_x * 0.99 / 255 + 0.01
    elif scale != "none":
        raise SystemExit(f"scale {scale} has no PyTorch translation")
    train_rows = split_indices(len(train_x), config.get("split", [1, 0]), arguments.seed)
    dev_rows = np.setdiff1d(np.arange(len(train_x)), train_rows)
    dev_features = torch.tensor(train_x[dev_rows], dtype=torch.float32)
    dev_labels = torch.tensor(train_y[dev_rows], dtype=torch.long)
    features = torch.tensor(train_x[train_rows], dtype=torch.float32)
    labels = torch.tensor(train_y[train_rows], dtype=torch.long)
    test_features = torch.tensor(test_x, dtype=torch.float32)
    test_labels = torch.tensor(test_y, dtype=torch.long)

    network = build_network(torch, config)
    optimizer, lr_factor = build_optimizer(torch, config, network, len(features))
    loss_name = config.get("loss", "softmax-ce")
    if loss_name != "softmax-ce":
        raise SystemExit(f"loss {loss_name} has no PyTorch translation")
    criterion = torch.nn.CrossEntropyLoss(label_smoothing=config.get("label-smoothing", 0.0))
    batch, epochs = config.get("batch-size", 32), config.get("epochs", 100)
    steps_per_epoch = math.ceil(len(features) / batch)
    generator = torch.Generator().manual_seed(arguments.seed)

    average = WeightAverage(torch, network, config["ema"]) if "ema" in config else None
    epsilon = config.get("adversarial", 0)
    clean_weight = config.get("adversarial-weight", 0.5)
    start, step = time.perf_counter(), 0
    for epoch in range(epochs):
        network.train()
        order = torch.randperm(len(features), generator=generator)
        for first in range(0, len(features), batch):
            rate = learning_rate(config.get("schedule"), config.get("lr", 0.1), epoch, step,
                                 epochs, steps_per_epoch)
            for group in optimizer.param_groups:
                group["lr"] = rate * lr_factor
            rows = order[first:first + batch]
            optimizer.zero_grad(set_to_none=True)
            inputs = features[rows].requires_grad_(epsilon > 0)
            loss = criterion(network(inputs), labels[rows])
            if epsilon > 0:
                input_gradient, = torch.autograd.grad(loss, inputs, retain_graph=True)
                perturbed = (inputs + epsilon * input_gradient.sign()).detach()
                loss = clean_weight * loss + (1 - clean_weight) * criterion(network(perturbed), labels[rows])
            loss.backward()
            optimizer.step()
            step += 1
            if average:
                average.update(step)
        if not math.isfinite(loss.item()):
            raise SystemExit(f"PyTorch run diverged at epoch {epoch + 1}")
    seconds = time.perf_counter() - start

    def accuracy(inputs, targets):
        network.eval()
        with torch.no_grad():
            predicted = network(inputs).argmax(dim=1)
        return (predicted == targets).double().mean().item()

    def accuracies(prefix=""):
        measured = {prefix + "test_accuracy": accuracy(test_features, test_labels)}
        if len(dev_rows):
            measured[prefix + "dev_accuracy"] = accuracy(dev_features, dev_labels)
        return measured

    result = {"engine": "pytorch", **accuracies(), "seconds": seconds,
              "seed": arguments.seed, "torch": torch.__version__}
    if average:
        average.swap()
        result.update(accuracies("ema_"))
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
