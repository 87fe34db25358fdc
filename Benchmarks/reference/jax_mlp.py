"""JAX reference: one jax.jit-compiled training step (forward, jax.grad, Adam or SGD).

The data live on the device once; the step slices its batch with lax.dynamic_slice
from the batch index, and parameters and optimiser state are donated, so each step is
one compiled XLA call. Adam follows torch.optim.Adam's formula.
"""

import common  # sets the thread environment first

import sys

try:
    import jax
    import jax.numpy as jnp
except Exception as error:  # noqa: BLE001 - any import failure means "skip this engine"
    common.emit_unavailable("jax", f"import jax failed: {error}")
    sys.exit(0)

ENGINE = "jax"


def forward(parameters, x, activation):
    last = len(parameters) - 1
    for index, (weight, bias) in enumerate(parameters):
        x = x @ weight.T + bias
        if index < last:
            x = jax.nn.relu(x) if activation == "relu" else jax.nn.sigmoid(x)
    return x


def make_step(activation, optimiser, batch, features, labels):
    def loss_of(parameters, x, y):
        logits = forward(parameters, x, activation)
        log_probabilities = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(log_probabilities, y[:, None], axis=1))

    gradient_of = jax.grad(loss_of)

    def batch_at(index):
        start = index * batch
        x = jax.lax.dynamic_slice_in_dim(features, start, batch)
        y = jax.lax.dynamic_slice_in_dim(labels, start, batch)
        return x, y

    if optimiser == "sgd":
        def sgd_step(parameters, state, index):
            gradients = gradient_of(parameters, *batch_at(index))
            updated = jax.tree_util.tree_map(
                lambda p, g: p - common.SGD_LEARNING_RATE * g, parameters, gradients)
            return updated, state
        return jax.jit(sgd_step, donate_argnums=(0, 1))

    settings = common.ADAM
    beta1, beta2, epsilon = settings["beta1"], settings["beta2"], settings["epsilon"]

    def adam_step(parameters, state, index):
        first, second, count = state
        gradients = gradient_of(parameters, *batch_at(index))
        count = count + 1
        first = jax.tree_util.tree_map(lambda m, g: beta1 * m + (1 - beta1) * g, first, gradients)
        second = jax.tree_util.tree_map(lambda v, g: beta2 * v + (1 - beta2) * g * g, second, gradients)
        correction1 = 1 - beta1 ** count
        correction2 = 1 - beta2 ** count
        step_size = settings["learning_rate"] / correction1

        def update(p, m, v):
            return p - step_size * m / (jnp.sqrt(v) / jnp.sqrt(correction2) + epsilon)

        parameters = jax.tree_util.tree_map(update, parameters, first, second)
        return parameters, (first, second, count)

    return jax.jit(adam_step, donate_argnums=(0, 1))


def device_parameters(sizes):
    return [(jnp.asarray(w), jnp.asarray(b)) for w, b in common.initial_parameters(sizes)]


def main():
    arguments = common.parse_arguments()
    array_features, array_labels, data_name = common.make_data()
    features = jnp.asarray(array_features)
    labels = jnp.asarray(array_labels.astype("int32"))
    common.emit_environment(ENGINE, version=jax.__version__, devices=str(jax.devices()),
                            xla_flags=common.os.environ.get("XLA_FLAGS"), data=data_name)
    for case, (sizes, activation, optimiser, batch) in common.TRAINING_CASES.items():
        if not common.selected(case, arguments):
            continue
        step_function = make_step(activation, optimiser, batch, features, labels)
        parameters = device_parameters(sizes)
        zeros = jax.tree_util.tree_map(jnp.zeros_like, parameters)
        holder = {"parameters": parameters,
                  "state": (zeros, jax.tree_util.tree_map(jnp.zeros_like, parameters), jnp.float32(0))}

        def step(index):
            holder["parameters"], holder["state"] = step_function(
                holder["parameters"], holder["state"], index)

        def synchronize():
            jax.block_until_ready(holder["parameters"])

        fields = common.time_training(step, batch, arguments.quick, synchronize)
        common.emit(ENGINE, case, "seconds_per_epoch", fields)
    for case, (sizes, activation, batch) in common.INFERENCE_CASES.items():
        if not common.selected(case, arguments):
            continue
        parameters = device_parameters(sizes)

        def infer(parameters, index):
            x = jax.lax.dynamic_slice_in_dim(features, index * batch, batch)
            return forward(parameters, x, activation)

        compiled = jax.jit(infer)
        holder = {"last": None}

        def run(index):
            holder["last"] = compiled(parameters, index)

        def synchronize():
            if holder["last"] is not None:
                jax.block_until_ready(holder["last"])

        fields = common.time_inference(run, batch, arguments.quick, synchronize)
        common.emit(ENGINE, case, "samples_per_second", fields)


if __name__ == "__main__":
    main()
