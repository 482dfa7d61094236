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

    Example:
        >>> linear_regression((3,)).count_params()
        4

    Reference: least squares (Legendre 1805, Gauss 1809); the minimiser of the mean
    squared error is the normal equations' ``(X^T X)^{-1} X^T y``.
    """
    check_input_shape(input_shape)
    check_positive("num_outputs", num_outputs)
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    outputs = keras.layers.Dense(num_outputs, name="linear")(x)
    return keras.Model(inputs, outputs, name=name)


def logistic_regression(input_shape=(2,), name: str = "logistic_regression"):
    """p(y = 1 | x) = sigmoid(w . x + b), one output unit (binary classification).

    Train with the binary cross-entropy
    ``-[y log p + (1 - y) log(1 - p)]``; the decision boundary ``w . x + b = 0`` is a
    hyperplane.

    Args:
        input_shape: shape of one input; flattened to D features.

    Returns:
        A ``keras.Model`` ``(batch, *input_shape) -> (batch, 1)`` probabilities, with
        ``D + 1`` trainable parameters.

    Example:
        >>> logistic_regression((2,)).count_params()
        3

    Reference: D. R. Cox, "The regression analysis of binary sequences", JRSS B 20(2),
    1958; Bishop, Pattern Recognition and Machine Learning (2006), section 4.3.2.
    """
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
        A ``keras.Model`` ``(batch, *input_shape) -> (batch, K)`` class probabilities,
        with ``D * K + K`` trainable parameters (650 for 8x8 digits).

    Example:
        >>> softmax_regression((8, 8, 1), 10).count_params()
        650

    Reference: McCullagh & Nelder, Generalized Linear Models (1989); Bishop (2006),
    section 4.3.4.
    """
    check_input_shape(input_shape)
    check_positive("num_classes", num_classes)
    inputs = keras.Input(shape=tuple(input_shape), name="x")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name=name)
