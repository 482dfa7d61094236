"""Every custom layer of dlrecipes.layers exports to every format with parity.

Each layer sits in a small model of its own (random weights: parity does not need a
trained model, and non-zero peepholes / biases make each layer's own arithmetic
count); the artifact is loaded by the format's own runtime (tf.saved_model.load,
onnxruntime, the LiteRT interpreter) and compared with the Keras model in inference
mode on 96 random inputs.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from dlrecipes.export import FORMATS, export_inference, from_keras
from dlrecipes.layers import (
    LENET5_C3_TABLE,
    ConnectionTableConv2D,
    Maxout,
    PeepholeLSTMCell,
    RBFOutput,
    ScaledTanh,
    TrainableSubsampling2D,
    scaled_tanh,
)
from tests.export.conftest import require_runtime

RUNTIME_MODULE = {"saved_model": "tensorflow", "onnx": "onnxruntime", "litert": "ai_edge_litert"}


def _connection_table():
    inputs = keras.Input((10, 10, 6))
    x = ConnectionTableConv2D(LENET5_C3_TABLE, 3, activation="tanh")(inputs)  # (8, 8, 16)
    return inputs, keras.layers.Dense(3)(keras.layers.Flatten()(x))


def _subsampling():
    inputs = keras.Input((8, 8, 3))
    x = TrainableSubsampling2D(2, activation=scaled_tanh, bias_initializer="random_normal")(inputs)
    return inputs, keras.layers.Dense(3)(keras.layers.Flatten()(x))  # (4, 4, 3) -> (3,)


def _rbf_output():
    inputs = keras.Input((12,))
    x = keras.layers.Dense(84, activation=scaled_tanh)(inputs)
    return inputs, RBFOutput(10)(x)  # (10,) squared distances to the digit prototypes


def _peephole_lstm():
    inputs = keras.Input((6, 3))
    cell = PeepholeLSTMCell(5, peephole_initializer="random_normal")
    x = keras.layers.RNN(cell)(inputs)  # (5,)
    return inputs, keras.layers.Dense(2)(x)


def _maxout():
    inputs = keras.Input((7,))
    x = Maxout(4, num_pieces=3, bias_initializer="random_normal")(inputs)  # (4,)
    return inputs, keras.layers.Dense(2)(x)


def _scaled_tanh():
    inputs = keras.Input((5,))
    x = keras.layers.Dense(4, activation=scaled_tanh)(inputs)  # the registered function
    return inputs, keras.layers.Dense(2)(ScaledTanh()(x))  # and the layer


MODELS = {
    "ConnectionTableConv2D": _connection_table,
    "TrainableSubsampling2D": _subsampling,
    "RBFOutput": _rbf_output,
    "PeepholeLSTMCell": _peephole_lstm,
    "Maxout": _maxout,
    "ScaledTanh": _scaled_tanh,
}


@pytest.mark.parametrize("format", list(FORMATS))
@pytest.mark.parametrize("layer", list(MODELS))
def test_custom_layer_exports_with_parity(layer, format, tmp_path):
    require_runtime(RUNTIME_MODULE[format])
    keras.utils.set_random_seed(0)
    inputs, outputs = MODELS[layer]()
    model = keras.Model(inputs, outputs, name=layer.lower())
    x = np.random.default_rng(0).normal(size=(96, *model.input_shape[1:])).astype("float32")
    name = {"saved_model": "saved_model", "onnx": "m.onnx", "litert": "m.tflite"}[format]
    result = export_inference(from_keras(model, x), format, tmp_path / name)
    parity = result.parity
    assert parity.passed, result.summary_lines()
    assert parity.elements == 96 * int(np.prod(model.output_shape[1:]))
    assert parity.max_abs_diff < 1e-4
    assert result.size_bytes > 0
    if layer == "PeepholeLSTMCell" and format == "litert":
        # the recurrent loop's tensor list needs a static element shape: batch 1
        assert result.signature["inputs"][0]["shape"] == [1, 6, 3]
    else:
        assert result.signature["inputs"][0]["shape"][0] is None
