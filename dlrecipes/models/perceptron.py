"""Rosenblatt's perceptron: a linear threshold unit trained by its own rule, not by gradients.

The model computes the score ``s = w . x + b`` and predicts ``sign(s)`` with
labels in {-1, +1}. Its training step is the perceptron learning rule,
applied to the examples of a batch one after the other (the online algorithm)::

    for each (x_i, y_i):
        if y_i (w . x_i + b) <= 0:      # a mistake (a zero score counts as one)
            w <- w + y_i x_i
            b <- b + y_i

No loss, no optimizer and no gradient are involved. Novikoff's theorem (1962):
if every ``||(x_i, 1)|| <= R`` and some unit vector ``u`` separates the data with
margin ``gamma`` (``y_i u . (x_i, 1) >= gamma`` for all i), the rule makes at most
``(R / gamma) ** 2`` mistakes, whatever the order of the examples. On data that
no line separates (XOR) it never stops making mistakes.

Backends: the rule is one pure function of ``keras.ops``
(:func:`perceptron_pass`); ``train_step`` assigns its result in place under
TensorFlow and PyTorch and threads it through the functional state under JAX
(Keras 3 calls ``train_step(data)`` on the former, ``train_step(state, data)``
on the latter).

References:
    F. Rosenblatt, "The perceptron: a probabilistic model for information storage
    and organization in the brain", Psychological Review 65(6), 1958.
    A. B. J. Novikoff, "On convergence proofs on perceptrons", Symposium on the
    Mathematical Theory of Automata, 1962.
"""

from __future__ import annotations

import keras
from keras import ops

from dlrecipes.models._checks import check_input_shape, known_dimension


def perceptron_pass(kernel, bias, x, y):
    """One sequential pass of Rosenblatt's rule over a batch; pure ``keras.ops``.

    Args:
        kernel: ``w``, shape ``(input_dim, 1)``.
        bias: ``b``, shape ``(1,)``.
        x: inputs, shape ``(batch, input_dim)``.
        y: labels in {-1, +1}, shape ``(batch,)`` or ``(batch, 1)``.

    Returns:
        ``(new_kernel, new_bias, mistakes)``: the weights after visiting every
        example in order, and the number of updates made (a float scalar).
    """
    x = ops.cast(x, kernel.dtype)
    y = ops.cast(ops.reshape(y, (-1,)), kernel.dtype)  # (batch,)

    def visit(i, carry):
        w, b, mistakes = carry  # (input_dim, 1), (1,), ()
        x_i = ops.take(x, i, axis=0)  # (input_dim,)
        y_i = ops.take(y, i, axis=0)  # ()
        score = ops.sum(w[:, 0] * x_i) + b[0]
        wrong = ops.cast(y_i * score <= 0, w.dtype)  # 1.0 on a mistake, else 0.0
        w = w + ops.expand_dims(wrong * y_i * x_i, axis=-1)
        b = b + wrong * y_i
        return w, b, mistakes + wrong

    zero = ops.zeros((), dtype=kernel.dtype)
    return ops.fori_loop(0, ops.shape(x)[0], visit, (kernel, bias, zero))


@keras.saving.register_keras_serializable(package="dlrecipes")
class Perceptron(keras.Model):
    """A single linear threshold unit trained with the perceptron rule.

    ``call`` returns the score ``w . x + b`` (shape ``(batch, 1)``); the class is
    its sign. ``fit`` runs :func:`perceptron_pass` on each batch (use
    ``batch_size >= N`` and ``shuffle=False`` for the textbook algorithm). The
    weights start at zero. The non-trainable weight ``mistakes`` counts every
    update made since the weights were created; each step logs ``mistakes`` (this
    batch) and ``total_mistakes``. Compile with ``model.compile()``: no loss is
    needed, and the optimizer Keras requires is never used.

    Weights: ``kernel`` ``(input_dim, 1)`` and ``bias`` ``(1,)``, "trainable"
    because learned (by the rule, not by an optimizer); ``mistakes`` ``()``.

    Input shape: ``(batch, input_dim)``. Output shape: ``(batch, 1)``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[2.0, 1.0], [-1.0, -2.0]]); y = np.array([1.0, -1.0])
        >>> model = Perceptron()
        >>> model.compile()
        >>> _ = model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0)
        >>> np.sign(model.predict(x, verbose=0)).ravel().tolist()
        [1.0, -1.0]

    Reference: Rosenblatt 1958; Novikoff 1962 (mistake bound).
    """

    def build(self, input_shape):
        input_dim = known_dimension(input_shape)
        self.kernel = self.add_weight(name="kernel", shape=(input_dim, 1), initializer="zeros")
        self.bias = self.add_weight(name="bias", shape=(1,), initializer="zeros")
        self.mistakes = self.add_weight(
            name="mistakes", shape=(), initializer="zeros", trainable=False
        )

    @property
    def input_shape(self):
        """``(None, input_dim)`` once built (a subclassed model has no ``Input`` to ask)."""
        if not self.built:
            raise AttributeError("the perceptron has not been built yet: call build((None, D))")
        return (None, int(self.kernel.shape[0]))

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel) + self.bias  # (batch, 1)

    def train_step(self, *args):
        if keras.backend.backend() == "jax":
            return self._stateless_train_step(*args)
        (data,) = args
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not self.built:  # TensorFlow builds lazily, while tracing the first step
            self.build(ops.shape(x))
        kernel, bias, mistakes = perceptron_pass(self.kernel.value, self.bias.value, x, y)
        self.kernel.assign(kernel)
        self.bias.assign(bias)
        self.mistakes.assign_add(mistakes)
        return {"mistakes": mistakes, "total_mistakes": self.mistakes.value}

    def _stateless_train_step(self, state, data):
        """JAX: the same rule on the functional state ``(trainable, non_trainable, ...)``."""
        trainable, non_trainable, optimizer_variables, metrics_variables = state
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        position = {id(v): i for i, v in enumerate(self.trainable_variables)}
        trainable = list(trainable)
        kernel_index, bias_index = position[id(self.kernel)], position[id(self.bias)]
        kernel, bias, mistakes = perceptron_pass(
            trainable[kernel_index], trainable[bias_index], x, y
        )
        trainable[kernel_index], trainable[bias_index] = kernel, bias
        non_trainable = list(non_trainable)
        counter_index = [id(v) for v in self.non_trainable_variables].index(id(self.mistakes))
        non_trainable[counter_index] = non_trainable[counter_index] + mistakes
        logs = {"mistakes": mistakes, "total_mistakes": non_trainable[counter_index]}
        return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)


def perceptron(input_shape=(2,), name: str = "perceptron") -> Perceptron:
    """Builder: a :class:`Perceptron` for inputs of ``input_shape`` (``D + 1`` weights).

    The unit outputs ``sign(w . x + b)``; on a mistake (``y (w . x + b) <= 0``, ``y`` in
    {-1, +1}) the rule updates ``w <- w + y x`` and ``b <- b + y``.

    Args:
        input_shape: ``(D,)``, the number of input features.

    Returns:
        A built :class:`Perceptron` with zero weights: ``(batch, D) -> (batch, 1)`` scores.

    Reference: F. Rosenblatt, "The perceptron: a probabilistic model for information
    storage and organization in the brain", Psychological Review 65(6), 1958.
    """
    check_input_shape(input_shape)
    if len(input_shape) != 1:
        raise ValueError(
            "the perceptron takes flat inputs (D,); use data.layout='flat'. "
            f"Received: input_shape={tuple(input_shape)}"
        )
    model = Perceptron(name=name)
    model.build((None, *input_shape))
    return model
