"""The lectures' worked forward pass: a 2-2-2-2 sigmoid network with given weights.

Three fully connected sigmoid layers ``a^(l) = sigmoid(W^(l) a^(l-1) + b^(l))``; row i
of ``W^(l)`` holds the weights into neuron i of layer l (the lectures' convention,
``z = W a + b``). Keras' ``Dense`` computes ``a W_k + b`` on row vectors, so its
kernel is ``W^T``. The lecture weights (Hung-yi Lee, ML 2016/2017, "Deep learning",
slide "Fully connect feedforward network"):

    W1 = [[1, -2], [-1, 1]]    b1 = [1, 0]
    W2 = [[2, -1], [-2, -1]]   b2 = [0, 0]
    W3 = [[3, -1], [-1, 4]]    b3 = [-2, 2]

give, to two decimals, ``x = [1, -1]``: [0.98, 0.12] -> [0.86, 0.11] -> [0.62, 0.83]
and ``x = [0, 0]``: [0.73, 0.50] -> [0.72, 0.12] -> [0.51, 0.85]. The network is a
function R^2 -> R^2: different weights, a different function (a function set).

Note that the rows-as-neurons convention matters: reading ``W`` with rows as inputs
(``Dense`` kernel = ``W``) gives a different network (see the recipe's
``transposed_output`` metrics).
"""

from __future__ import annotations

import numpy as np

LECTURE_WEIGHTS = (
    (np.array([[1.0, -2.0], [-1.0, 1.0]]), np.array([1.0, 0.0])),
    (np.array([[2.0, -1.0], [-2.0, -1.0]]), np.array([0.0, 0.0])),
    (np.array([[3.0, -1.0], [-1.0, 4.0]]), np.array([-2.0, 2.0])),
)
#: The inputs of the lecture and the outputs it prints (two decimals).
LECTURE_OUTPUTS = {(1.0, -1.0): (0.62, 0.83), (0.0, 0.0): (0.51, 0.85)}


def numpy_forward(x, weights=LECTURE_WEIGHTS) -> list[np.ndarray]:
    """The activations of every layer for one input ``x`` (shape ``(2,)``), in NumPy."""
    activation = np.asarray(x, "float64")
    layers = []
    for w, b in weights:
        activation = 1.0 / (1.0 + np.exp(-(w @ activation + b)))
        layers.append(activation)
    return layers


def keras_model(weights=LECTURE_WEIGHTS, transpose: bool = True):
    """The network as a Keras ``Sequential`` stack of ``Dense(2, sigmoid)`` layers.

    ``transpose=True`` sets each kernel to ``W^T`` (the right reading of the lecture's
    rows-as-neurons matrices); ``False`` sets the kernel to ``W`` itself (the mistake).
    """
    import keras

    model = keras.Sequential(
        [keras.Input(shape=(weights[0][0].shape[1],))]
        + [
            keras.layers.Dense(w.shape[0], activation="sigmoid", name=f"layer_{i + 1}")
            for i, (w, _) in enumerate(weights)
        ],
        name="lecture_2_2_2_2",
    )
    for layer, (w, b) in zip(model.layers, weights):
        layer.set_weights([(w.T if transpose else w).astype("float32"), b.astype("float32")])
    return model
