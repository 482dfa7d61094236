"""Linear models: the first function sets of the course.

- linear regression: y = W x + b, trained on the mean squared error;
- logistic regression: p(y = 1 | x) = sigmoid(w . x + b), binary cross-entropy;
- softmax regression: p(y = k | x) = softmax(W x + b)_k, categorical cross-entropy.
"""

from __future__ import annotations

import keras

from dlrecipes.models._checks import check_input_shape, check_positive


def linear_regression(input_shape=(1,), num_outputs: int = 1, name: str = "linear_regression"):
    """y = W x + b.

    Args:
        input_shape: shape of one input; flattened to D features.
        num_outputs: width of the target.

    Returns:
        A ``keras.Model`` mapping (batch, *input_shape) -> (batch, num_outputs).
        ``D * num_outputs + num_outputs`` trainable parameters.
    """
    check_input_shape(input_shape)
    check_positive("num_outputs", num_outputs)
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    outputs = keras.layers.Dense(num_outputs, name="linear")(x)
    return keras.Model(inputs, outputs, name=name)


def logistic_regression(input_shape=(2,), name: str = "logistic_regression"):
    """p(y = 1 | x) = sigmoid(w . x + b), one output unit (binary classification)."""
    check_input_shape(input_shape)
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    outputs = keras.layers.Dense(1, activation="sigmoid", name="logit")(x)
    return keras.Model(inputs, outputs, name=name)


def softmax_regression(input_shape=(64,), num_classes: int = 10, name: str = "softmax_regression"):
    """p(y = k | x) = softmax(W x + b)_k: multinomial logistic regression.

    Args:
        input_shape: shape of one input (images are flattened).
        num_classes: K, the number of classes.

    Returns:
        A model with ``D * K + K`` trainable parameters (650 for 8x8 digits).
    """
    check_input_shape(input_shape)
    check_positive("num_classes", num_classes)
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=name)
