"""Reverse-mode automatic differentiation by hand: the sigmoid neuron's computation graph.

The neuron ``f(w, x) = sigmoid(w0 x0 + w1 x1 + b)`` written as a graph of elementary
operations, each node a value computed from its parents (forward pass), then each
node's gradient ``df/dnode`` computed in reverse order by the chain rule
``d f / d parent += d f / d node * d node / d parent`` (backward pass):

    node   operation       local derivatives
    a0     w0 * x0         da0/dw0 = x0, da0/dx0 = w0
    a1     w1 * x1         da1/dw1 = x1, da1/dx1 = w1
    s      a0 + a1         1, 1
    z      s + b           1, 1
    n      -z              -1
    e      exp(n)          e
    d      1 + e           1
    f      1 / d           -1 / d^2

With the classic numbers ``w = (2, -3), b = -3, x = (-1, -2)``: ``z = 1``,
``f = sigmoid(1) = 0.73`` and ``df/dw = (-0.20, -0.39)``, ``df/db = 0.20``,
``df/dx = (0.39, -0.59)`` (CS231n, "Backpropagation, intuitions"). The gradient of the
whole sigmoid collapses to ``df/dz = f (1 - f)``, which is why frameworks treat
sigmoid as one node.

Reference: Griewank & Walther, *Evaluating Derivatives* (2008); Baydin et al., "Automatic
differentiation in machine learning: a survey", JMLR 18 (2018); CS231n lecture notes.
"""

from __future__ import annotations

import math

import numpy as np

#: The classic example's inputs.
EXAMPLE = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "b": -3.0}
INPUTS = tuple(EXAMPLE)

#: (node, operation, parents): the graph in topological order.
GRAPH = (
    ("a0", "mul", ("w0", "x0")),
    ("a1", "mul", ("w1", "x1")),
    ("s", "add", ("a0", "a1")),
    ("z", "add", ("s", "b")),
    ("n", "neg", ("z",)),
    ("e", "exp", ("n",)),
    ("d", "add1", ("e",)),
    ("f", "inv", ("d",)),
)


def _forward_op(operation, *args):
    if operation == "mul":
        return args[0] * args[1]
    if operation == "add":
        return args[0] + args[1]
    if operation == "neg":
        return -args[0]
    if operation == "exp":
        return math.exp(args[0])
    if operation == "add1":
        return 1.0 + args[0]
    return 1.0 / args[0]  # inv


def _local_derivatives(operation, args, value) -> tuple[float, ...]:
    """d node / d parent for each parent."""
    if operation == "mul":
        return args[1], args[0]
    if operation == "add":
        return 1.0, 1.0
    if operation == "neg":
        return (-1.0,)
    if operation == "exp":
        return (value,)
    if operation == "add1":
        return (1.0,)
    return (-1.0 / args[0] ** 2,)  # inv


def forward(inputs: dict[str, float]) -> dict[str, float]:
    """Every node's value, inputs included, in topological order."""
    missing = sorted(set(INPUTS) - set(inputs))
    if missing:
        raise ValueError(f"the sigmoid neuron needs inputs {list(INPUTS)}. Missing: {missing}")
    values = {name: float(inputs[name]) for name in INPUTS}
    for node, operation, parents in GRAPH:
        values[node] = _forward_op(operation, *(values[p] for p in parents))
    return values


def backward(values: dict[str, float]) -> dict[str, float]:
    """``df/dnode`` for every node, from ``df/df = 1`` back to the inputs."""
    grads = {name: 0.0 for name in values}
    grads["f"] = 1.0
    for node, operation, parents in reversed(GRAPH):
        local = _local_derivatives(operation, [values[p] for p in parents], values[node])
        for parent, derivative in zip(parents, local):
            grads[parent] += grads[node] * derivative
    return grads


def table(inputs: dict[str, float] = EXAMPLE) -> list[tuple[str, str, float, float]]:
    """``(node, operation, value, df/dnode)`` rows, inputs first: the walk-through."""
    values = forward(inputs)
    grads = backward(values)
    operations = {node: operation for node, operation, _ in GRAPH}
    return [(n, operations.get(n, "input"), values[n], grads[n]) for n in values]


def keras_gradients(inputs: dict[str, float] = EXAMPLE) -> dict[str, float]:
    """``df/d input`` of ``keras.ops.sigmoid(w0 x0 + w1 x1 + b)`` by the backend's autodiff."""
    import keras
    from keras import ops

    from dlrecipes.backprop import float64_scope

    vector = np.array([inputs[name] for name in INPUTS], "float64")

    def neuron(v):
        return ops.sigmoid(v[0] * v[1] + v[2] * v[3] + v[4])

    backend = keras.backend.backend()
    with float64_scope():
        if backend == "tensorflow":
            import tensorflow as tf

            tensor = tf.constant(vector)
            with tf.GradientTape() as tape:
                tape.watch(tensor)
                value = neuron(tensor)
            grads = np.asarray(tape.gradient(value, tensor))
        elif backend == "jax":
            import jax

            grads = np.asarray(jax.grad(neuron)(jax.numpy.asarray(vector)))
        else:
            raise NotImplementedError(
                f"keras_gradients supports tensorflow and jax. Received: {backend!r}"
            )
    return dict(zip(INPUTS, map(float, grads)))


def finite_difference_gradients(
    inputs: dict[str, float] = EXAMPLE, step: float = 1e-6
) -> dict[str, float]:
    """Central differences ``(f(u + h) - f(u - h)) / 2h`` for each input u."""
    out = {}
    for name in INPUTS:
        up, down = dict(inputs), dict(inputs)
        up[name] += step
        down[name] -= step
        out[name] = (forward(up)["f"] - forward(down)["f"]) / (2 * step)
    return out
