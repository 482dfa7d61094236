"""Losses that Keras does not ship: LeNet-5's MAP criterion for RBF outputs."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dlrecipes")
class RBFMAPLoss(keras.losses.Loss):
    """LeCun's maximum a posteriori (MAP) criterion for penalty outputs such as :class:`RBFOutput`.

    The outputs ``y_i`` are penalties (squared distances to class
    prototypes): small means likely. For an example of class ``D``, eq. (9)
    of the paper reads::

        E = y_D + log(exp(-j) + sum_i exp(-y_i))

    The first term pulls down the penalty of the correct class. The second,
    "competitive" term pushes up the penalties of the other classes; it is
    the log partition function of a softmax over ``-y`` extended with a
    "rubbish class" of constant penalty ``j``, so that classes whose
    penalties are already larger than ``j`` are not pushed further up. It
    also keeps the RBF centers apart, preventing the collapse in which every
    output equals zero. Since the sum contains ``exp(-y_D)``, ``E`` is always
    positive. It is computed with a stable ``logsumexp``.

    Args:
        rejection_constant: the paper's positive constant ``j``. Defaults to 1.
        reduction: how per-example losses are reduced, as in ``keras.losses.Loss``.
        name: the loss name. Defaults to ``"rbf_map_loss"``.
        dtype: dtype of the computation; ``None`` means ``keras.backend.floatx()``.

    Shapes:
        ``y_true``: integer class labels ``(batch,)`` or ``(batch, 1)``.
        ``y_pred``: penalties ``(batch, num_classes)``.
        Per-example losses: ``(batch,)``, reduced by ``reduction``.

    Example:
        >>> import numpy as np
        >>> loss = RBFMAPLoss()
        >>> float(loss(np.array([0]), np.array([[0.0, 50.0]]))) < 0.5
        True
        >>> model.compile(loss=RBFMAPLoss(), metrics=[RBFAccuracy()])  # doctest: +SKIP

    Reference:
        Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
        learning applied to document recognition", Proc. IEEE 86(11), 1998,
        section II-C, eq. (9).
    """

    def __init__(
        self,
        rejection_constant=1.0,
        reduction="sum_over_batch_size",
        name="rbf_map_loss",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if (
            isinstance(rejection_constant, bool)
            or not isinstance(rejection_constant, (int, float))
            or not rejection_constant > 0
        ):
            raise ValueError(
                "rejection_constant must be a positive number. "
                f"Received: rejection_constant={rejection_constant!r}"
            )
        self.rejection_constant = float(rejection_constant)

    def call(self, y_true, y_pred):
        penalties = ops.convert_to_tensor(y_pred)  # (batch, num_classes)
        labels = ops.cast(ops.reshape(y_true, (-1, 1)), "int32")  # (batch, 1)
        correct = ops.take_along_axis(penalties, labels, axis=-1)  # (batch, 1)
        rubbish = ops.full_like(correct, -self.rejection_constant)  # (batch, 1)
        competition = ops.logsumexp(ops.concatenate([-penalties, rubbish], axis=-1), axis=-1)
        # (batch,)
        return ops.squeeze(correct, axis=-1) + competition

    def get_config(self):
        return {**super().get_config(), "rejection_constant": self.rejection_constant}
