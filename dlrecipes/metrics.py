"""Metrics that Keras does not ship: accuracy for penalty (distance) outputs."""

import keras
from keras import ops


def rbf_predicted_classes(distances):
    """The predicted class of penalty outputs: the index of the smallest distance.

    Args:
        distances: ``(batch, num_classes)`` penalties, e.g. the squared
            distances of :class:`dlrecipes.layers.rbf_output.RBFOutput`.

    Returns:
        An int tensor ``(batch,)``: ``argmin_i distances[:, i]``.

    Example:
        >>> import numpy as np
        >>> rbf_predicted_classes(np.array([[3.0, 0.5, 9.0]])).tolist()  # doctest: +SKIP
        [1]
    """
    return ops.argmin(distances, axis=-1)


@keras.saving.register_keras_serializable(package="dlrecipes")
def rbf_accuracy(y_true, y_pred):
    """Per-example 0/1 correctness of penalty outputs: ``argmin(y_pred) == y_true``.

    Args:
        y_true: integer labels ``(batch,)`` or ``(batch, 1)``.
        y_pred: penalties ``(batch, num_classes)``.

    Returns:
        A float tensor ``(batch,)`` of 1.0 (correct) and 0.0 (wrong).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")  # (batch,)
    predicted = ops.cast(rbf_predicted_classes(y_pred), "int32")  # (batch,)
    return ops.cast(ops.equal(labels, predicted), keras.backend.floatx())


@keras.saving.register_keras_serializable(package="dlrecipes")
class RBFAccuracy(keras.metrics.MeanMetricWrapper):
    """Accuracy for penalty outputs with sparse integer labels: predicted class = argmin.

    The counterpart of ``SparseCategoricalAccuracy`` (which takes the argmax)
    for LeNet-5's RBF outputs, where the *smallest* output wins. Its default
    name is ``"accuracy"``, so training histories have the same keys
    (``"accuracy"``, ``"val_accuracy"``) as with softmax models.

    Args:
        name: metric name. Defaults to ``"accuracy"``.
        dtype: dtype of the metric result.

    Example:
        >>> metric = RBFAccuracy()
        >>> metric.update_state([1, 0], [[3.0, 0.5], [0.1, 2.0]])
        >>> float(metric.result())
        1.0

    Reference:
        Y. LeCun et al., "Gradient-based learning applied to document
        recognition", Proc. IEEE 86(11), 1998, section II-B.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=rbf_accuracy, name=name, dtype=dtype)
        # Larger is better. Keras' own metrics set this attribute; callbacks in
        # mode="auto" (EarlyStopping, ModelCheckpoint) read it, and raise without it.
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
