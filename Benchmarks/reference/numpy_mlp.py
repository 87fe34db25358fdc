"""NumPy reference: a hand-written forward/backward/Adam loop with preallocated buffers.

Every array the step touches is allocated once per case; the step itself uses `out=`
forms so that only NumPy's small temporaries remain. Run through Benchmarks/run.sh, or
directly: `python numpy_mlp.py [--quick] [--cases a-,d-]`.
"""

import common  # sets the thread environment first

import numpy as np

ENGINE = "numpy"


class Network:
    """A dense network with preallocated activations, gradients and optimiser state."""

    def __init__(self, sizes, activation, batch, optimiser):
        self.sizes, self.activation, self.optimiser = sizes, activation, optimiser
        self.weights, self.biases = [], []
        for weight, bias in common.initial_parameters(sizes):
            self.weights.append(weight.copy())
            self.biases.append(bias.copy())
        self.parameters = [p for pair in zip(self.weights, self.biases) for p in pair]
        self.gradients = [np.zeros_like(p) for p in self.parameters]
        self.first_moments = [np.zeros_like(p) for p in self.parameters]
        self.second_moments = [np.zeros_like(p) for p in self.parameters]
        self.scratch = [np.zeros_like(p) for p in self.parameters]
        self.step_count = 0
        self.allocate(batch)

    def allocate(self, batch):
        self.batch = batch
        self.outputs = [np.zeros((batch, size), np.float32) for size in self.sizes[1:]]
        self.deltas = [np.zeros((batch, size), np.float32) for size in self.sizes[1:]]
        self.rows = np.arange(batch)

    # MARK: - Forward

    def forward(self, x):
        activation = x
        last = len(self.weights) - 1
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            out = self.outputs[index]
            np.matmul(activation, weight.T, out=out)
            out += bias
            if index < last:
                if self.activation == "relu":
                    np.maximum(out, 0, out=out)
                else:
                    np.negative(out, out=out)
                    np.exp(out, out=out)
                    out += 1
                    np.reciprocal(out, out=out)
            activation = out
        return activation

    # MARK: - Training step

    def train_step(self, x, labels):
        logits = self.forward(x)
        # Softmax cross-entropy gradient (p - y)/m, written into the last delta.
        delta = self.deltas[-1]
        np.subtract(logits, logits.max(axis=1, keepdims=True), out=delta)
        np.exp(delta, out=delta)
        delta /= delta.sum(axis=1, keepdims=True)
        delta[self.rows, labels] -= 1
        delta *= 1.0 / self.batch
        for index in range(len(self.weights) - 1, -1, -1):
            delta = self.deltas[index]
            previous = x if index == 0 else self.outputs[index - 1]
            np.matmul(delta.T, previous, out=self.gradients[2 * index])
            np.sum(delta, axis=0, out=self.gradients[2 * index + 1])
            if index > 0:
                below = self.deltas[index - 1]
                np.matmul(delta, self.weights[index], out=below)
                if self.activation == "relu":
                    below *= previous > 0
                else:  # sigmoid'(z) = a(1 - a)
                    below *= previous
                    below -= below * previous
        self.update()

    def update(self):
        if self.optimiser == "sgd":
            for parameter, gradient in zip(self.parameters, self.gradients):
                gradient *= common.SGD_LEARNING_RATE
                parameter -= gradient
            return
        settings = common.ADAM
        beta1, beta2 = settings["beta1"], settings["beta2"]
        self.step_count += 1
        correction1 = 1 - beta1 ** self.step_count
        correction2 = 1 - beta2 ** self.step_count
        step_size = settings["learning_rate"] / correction1
        root_correction2 = np.sqrt(correction2)
        for parameter, gradient, first, second, scratch in zip(
                self.parameters, self.gradients, self.first_moments, self.second_moments, self.scratch):
            first *= beta1
            np.multiply(gradient, 1 - beta1, out=scratch)
            first += scratch
            second *= beta2
            np.multiply(gradient, gradient, out=scratch)
            scratch *= 1 - beta2
            second += scratch
            np.sqrt(second, out=scratch)
            scratch /= root_correction2
            scratch += settings["epsilon"]
            np.divide(first, scratch, out=scratch)
            scratch *= step_size
            parameter -= scratch


def blas_description():
    """NumPy's BLAS and, when threadpoolctl is installed, the kernel it runs."""
    try:
        from threadpoolctl import threadpool_info
        return "; ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture')}"
                         for p in threadpool_info() if p.get("user_api") == "blas")
    except Exception:  # noqa: BLE001 - threadpoolctl is optional
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name')} {blas.get('version')}"


def main():
    arguments = common.parse_arguments()
    features, labels, data_name = common.make_data()
    common.emit_environment(ENGINE, version=np.__version__, blas=blas_description(), data=data_name)
    for case, (sizes, activation, optimiser, batch) in common.TRAINING_CASES.items():
        if not common.selected(case, arguments):
            continue
        network = Network(sizes, activation, batch, optimiser)

        def step(index):
            start = index * batch
            network.train_step(features[start:start + batch], labels[start:start + batch])

        fields = common.time_training(step, batch, arguments.quick)
        common.emit(ENGINE, case, "seconds_per_epoch", fields)
    for case, (sizes, activation, batch) in common.INFERENCE_CASES.items():
        if not common.selected(case, arguments):
            continue
        network = Network(sizes, activation, batch, "sgd")

        def run(index):
            start = index * batch
            network.forward(features[start:start + batch])

        fields = common.time_inference(run, batch, arguments.quick)
        common.emit(ENGINE, case, "samples_per_second", fields)


if __name__ == "__main__":
    main()
