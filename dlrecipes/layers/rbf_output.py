"""LeNet-5's output layer: Euclidean radial basis function units with fixed prototypes."""

import keras
import numpy as np
from keras import ops

from dlrecipes.layers._common import check_positive, known_dimension

#: A hand-drawn font of the digits 0-9, each 7 pixels wide and 12 tall, drawn
#: side by side: row ``r`` of digit ``d`` is ``DIGIT_FONT_7X12[r][8 * d : 8 * d + 7]``
#: (``#`` = +1, ``.`` = -1). LeCun et al. drew the prototypes of their RBF units
#: as stylised 7x12 bitmaps of the characters (Fig. 3 of the paper); those
#: bitmaps are not published, so these are our own, in the same spirit.
DIGIT_FONT_7X12 = (
    #  0       1       2       3       4       5       6       7       8       9
    "....... ....... ....... ....... ....... ....... ....... ....... ....... .......",
    "..###.. ...#... ..###.. .#####. ....##. ####### ..####. ####### .#####. .#####.",
    ".#...#. ..##... .#...#. #.....# ...#.#. #...... .#..... ......# #.....# #.....#",
    "#.....# .#.#... #.....# ......# ..#..#. #...... #...... .....#. #.....# #.....#",
    "#.....# ...#... ......# ......# .#...#. ######. #...... .....#. #.....# #.....#",
    "#.....# ...#... .....#. ..####. #....#. ......# ######. ....#.. .#####. #.....#",
    "#.....# ...#... ....#.. ......# ####### ......# #.....# ....#.. #.....# .######",
    "#.....# ...#... ...#... ......# .....#. ......# #.....# ...#... #.....# ......#",
    "#.....# ...#... ..#.... ......# .....#. ......# #.....# ...#... #.....# ......#",
    ".#...#. ...#... .#..... #.....# .....#. #.....# #.....# ..#.... #.....# .....#.",
    "..###.. .#####. ####### .#####. .....#. .#####. .#####. ..#.... .#####. .####..",
    "....... ....... ....... ....... ....... ....... ....... ....... ....... .......",
)

#: Seed of the +-1 codes used when the digit font does not fit (see :func:`default_prototypes`).
RANDOM_CODE_SEED = 1998


def default_prototypes(units, input_dim):
    """The default fixed prototypes of :class:`RBFOutput`, shape ``(units, input_dim)``.

    If ``input_dim == 84`` and ``units <= 10``, row ``i`` is the 7x12 bitmap
    of digit ``i`` from :data:`DIGIT_FONT_7X12`, read row by row, with
    values +1 (ink) and -1 (background), as in LeNet-5. Otherwise the rows are
    deterministic random +-1 codes drawn with seed :data:`RANDOM_CODE_SEED`
    (the paper notes that the components "could have been chosen at random
    with equal probabilities for -1 and +1", section II-B).

    Args:
        units: number of classes (rows).
        input_dim: length of each prototype (columns).

    Returns:
        A float32 NumPy array of +1 and -1, shape ``(units, input_dim)``.
    """
    if input_dim == 84 and units <= 10:
        bitmaps = [
            "".join(row[8 * digit : 8 * digit + 7] for row in DIGIT_FONT_7X12)
            for digit in range(units)
        ]  # units strings of 84 pixels
        return np.array(
            [[1.0 if pixel == "#" else -1.0 for pixel in bitmap] for bitmap in bitmaps],
            dtype="float32",
        )
    rng = np.random.default_rng(RANDOM_CODE_SEED)
    return rng.choice(np.array([-1.0, 1.0], dtype="float32"), size=(units, input_dim))


@keras.saving.register_keras_serializable(package="dlrecipes")
class RBFOutput(keras.layers.Layer):
    """Euclidean RBF units: the squared distance from the input to each fixed class prototype.

    LeNet-5's output layer. For an input vector ``x`` (F6, 84 units) and
    prototypes ``w_i`` (one row per class)::

        y_i = sum_j (x_j - w_ij) ** 2

    The output is a *penalty*: the closer ``x`` is to the prototype of class
    ``i``, the smaller ``y_i``; the predicted class is ``argmin_i y_i``
    (:func:`dlrecipes.metrics.rbf_predicted_classes`). Train it with
    :class:`dlrecipes.losses.RBFMAPLoss`.

    The prototypes are fixed (LeCun et al. chose them by hand, +-1 bitmaps of
    the characters), so they are stored as a **non-trainable** weight named
    ``"prototypes"``: 84 inputs and 10 classes give 840 non-trainable weights
    and no trainable ones, and ``.keras`` files save them.

    Args:
        units: number of classes, the number of RBF units.
        prototypes: optional array-like of shape ``(units, input_dim)``, the
            fixed prototypes. ``None`` uses :func:`default_prototypes`: the
            hand-drawn 7x12 digit font when ``input_dim == 84`` and
            ``units <= 10``, seeded random +-1 codes otherwise.
        **kwargs: base ``Layer`` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, input_dim)``.

    Output shape:
        ``(batch, units)``, non-negative squared distances.

    Example:
        >>> layer = RBFOutput(units=10)
        >>> tuple(layer(keras.ops.zeros((2, 84))).shape)
        (2, 10)
        >>> layer.count_params(), len(layer.trainable_weights)
        (840, 0)

    Reference:
        Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
        learning applied to document recognition", Proc. IEEE 86(11), 1998,
        section II-B, eq. (7) and Fig. 3.
    """

    def __init__(self, units=10, prototypes=None, **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive("units", units)
        if prototypes is not None:
            array = np.asarray(prototypes, dtype="float64")
            if array.ndim != 2 or array.shape[0] != self.units:
                raise ValueError(
                    f"prototypes must have shape (units, input_dim) = ({self.units}, input_dim). "
                    f"Received: prototypes with shape {array.shape}"
                )
            prototypes = array
        self.prototypes = prototypes
        self.input_spec = keras.layers.InputSpec(ndim=2)

    def build(self, input_shape):
        input_dim = known_dimension(input_shape)
        if self.prototypes is None:
            values = default_prototypes(self.units, input_dim)
        else:
            values = self.prototypes
            if values.shape[1] != input_dim:
                raise ValueError(
                    f"prototypes have {values.shape[1]} columns but the inputs have "
                    f"{input_dim} features. Received: input_shape={input_shape}"
                )
        self.prototype_weights = self.add_weight(
            name="prototypes",
            shape=(self.units, input_dim),
            initializer=lambda shape, dtype=None: ops.cast(values, dtype),
            trainable=False,
        )
        self.input_spec = keras.layers.InputSpec(ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        # inputs: (batch, input_dim); prototypes: (units, input_dim)
        difference = ops.expand_dims(inputs, 1) - ops.expand_dims(self.prototype_weights, 0)
        # (batch, units, input_dim)
        return ops.sum(ops.square(difference), axis=-1)  # (batch, units)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        prototypes = None if self.prototypes is None else self.prototypes.tolist()
        return {**super().get_config(), "units": self.units, "prototypes": prototypes}
