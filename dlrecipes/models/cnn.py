"""Convolutional network builders: LeNet-5, a small MNIST convnet, a small ResNet, a 6x6 demo.

Every builder is a pure function ``(**options) -> keras.Model``: ``convnet`` is a
``keras.Sequential`` stack, as keras-io writes it; the others use the Functional API.
Classifiers take ``input_shape`` (height, width, channels; channels last) and
``num_classes`` as keyword arguments, which the runner fills in from the data.
"""

import keras
import numpy as np

from dlrecipes.layers.block_max_pooling2d import BlockMaxPooling2D
from dlrecipes.layers.connection_table_conv2d import LENET5_C3_TABLE, ConnectionTableConv2D
from dlrecipes.layers.rbf_output import RBFOutput
from dlrecipes.layers.scaled_tanh import scaled_tanh
from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D
from dlrecipes.models._checks import (
    check_input_shape,
    check_non_negative,
    check_positive,
    check_rate,
    is_integer,
)

#: The lectures' 6x6 binary image (a diagonal stroke and a vertical stroke).
CONV_DEMO_IMAGE = (
    (1, 0, 0, 0, 0, 1),
    (0, 1, 0, 0, 1, 0),
    (0, 0, 1, 1, 0, 0),
    (1, 0, 0, 0, 1, 0),
    (0, 1, 0, 0, 1, 0),
    (0, 0, 1, 0, 1, 0),
)

#: The lectures' two 3x3 filters: a main-diagonal detector and a vertical-line detector.
CONV_DEMO_FILTERS = (
    ((1, -1, -1), (-1, 1, -1), (-1, -1, 1)),
    ((-1, 1, -1), (-1, 1, -1), (-1, 1, -1)),
)


def _check_image_shape(input_shape):
    """Return ``input_shape`` as a tuple ``(height, width, channels)`` of positive ints."""
    return check_input_shape(input_shape, layout="(height, width, channels)")


def lenet5(input_shape=(32, 32, 1), num_classes=10, faithful=True):
    """LeNet-5 (LeCun et al. 1998), faithful to the paper or in its common modern form.

    Faithful (``faithful=True``), for a 32x32 input (an MNIST 28x28 digit
    padded by 2 pixels; the paper also scales pixels so that the background
    is -0.1 and the ink 1.175)::

        layer   what                                   output       trainable
        C1      Conv2D 6@5x5, scaled tanh               (28,28,6)        156
        S2      TrainableSubsampling2D 2x2, scaled tanh (14,14,6)         12
        C3      ConnectionTableConv2D 16@5x5 (Table I)  (10,10,16)     1,516
        S4      TrainableSubsampling2D 2x2, scaled tanh (5,5,16)          32
        C5      Conv2D 120@5x5, scaled tanh             (1,1,120)     48,120
        F6      Dense 84, scaled tanh                   (84,)         10,164
        OUTPUT  RBFOutput 10, fixed +-1 prototypes      (10,)              0
                                                          total       60,000

    plus 840 non-trainable prototype weights. The scaled tanh is
    ``1.7159 tanh(2a/3)``. The outputs are squared distances (penalties):
    train with :class:`dlrecipes.losses.RBFMAPLoss` and measure with
    :class:`dlrecipes.metrics.RBFAccuracy` (predicted class = argmin).

    Modern (``faithful=False``): ReLU instead of the scaled tanh, 2x2 max
    pooling (``BlockMaxPooling2D``: Keras' ``MaxPooling2D`` with a gradient that is
    fast under XLA) instead of trainable subsampling, a dense ``Conv2D(16, 5)`` as C3
    and a softmax ``Dense(num_classes)`` output (61,706 parameters for a
    32x32x1 input and 10 classes). Train with sparse categorical cross-entropy.

    C5 is a convolution, not a dense layer: with an input larger than 32x32 its
    maps grow beyond 1x1 and are flattened before F6 (which then has more
    weights). The input must be at least 32x32 so that C5 sees a 5x5 map.

    Args:
        input_shape: ``(height, width, channels)``, at least 32x32.
        num_classes: number of classes (RBF units or softmax units).
        faithful: ``True`` for the paper's network, ``False`` for the modern variant.

    Returns:
        An uncompiled ``keras.Model`` named ``"lenet5"`` or ``"lenet5_modern"``
        with layers ``C1, S2, C3, S4, C5, flatten, F6, OUTPUT``. Output shape
        ``(batch, num_classes)``.

    Example:
        >>> model = lenet5()
        >>> model.count_params() - 840
        60000

    Reference:
        Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
        learning applied to document recognition", Proc. IEEE 86(11), 1998,
        section II-B, Fig. 2 and Table I.
    """
    height, width, channels = _check_image_shape(input_shape)
    num_classes = check_positive("num_classes", num_classes)
    # C1 -5+1, S2 //2, C3 -5+1, S4 //2: C5 needs at least 5x5.
    c5_input_height = ((height - 4) // 2 - 4) // 2
    c5_input_width = ((width - 4) // 2 - 4) // 2
    if min(c5_input_height, c5_input_width) < 5:
        raise ValueError(
            "LeNet-5 needs inputs of at least 32x32 pixels (C5 must see a 5x5 map); pad smaller "
            f"images, e.g. 28x28 MNIST by 2 pixels. Received: input_shape={input_shape!r}"
        )

    inputs = keras.Input(shape=(height, width, channels), name="image")
    if faithful:
        x = keras.layers.Conv2D(6, 5, activation=scaled_tanh, name="C1")(inputs)  # (28, 28, 6)
        x = TrainableSubsampling2D(2, activation=scaled_tanh, name="S2")(x)  # (14, 14, 6)
        x = ConnectionTableConv2D(LENET5_C3_TABLE, 5, activation=scaled_tanh, name="C3")(x)
        # (10, 10, 16)
        x = TrainableSubsampling2D(2, activation=scaled_tanh, name="S4")(x)  # (5, 5, 16)
        x = keras.layers.Conv2D(120, 5, activation=scaled_tanh, name="C5")(x)  # (1, 1, 120)
        x = keras.layers.Flatten(name="flatten")(x)  # (120,)
        x = keras.layers.Dense(84, activation=scaled_tanh, name="F6")(x)  # (84,)
        outputs = RBFOutput(num_classes, name="OUTPUT")(x)  # (num_classes,) penalties
        return keras.Model(inputs, outputs, name="lenet5")

    x = keras.layers.Conv2D(6, 5, activation="relu", name="C1")(inputs)  # (28, 28, 6)
    x = BlockMaxPooling2D(2, name="S2")(x)  # (14, 14, 6)
    x = keras.layers.Conv2D(16, 5, activation="relu", name="C3")(x)  # (10, 10, 16)
    x = BlockMaxPooling2D(2, name="S4")(x)  # (5, 5, 16)
    x = keras.layers.Conv2D(120, 5, activation="relu", name="C5")(x)  # (1, 1, 120)
    x = keras.layers.Flatten(name="flatten")(x)  # (120,)
    x = keras.layers.Dense(84, activation="relu", name="F6")(x)  # (84,)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="OUTPUT")(x)
    return keras.Model(inputs, outputs, name="lenet5_modern")


def convnet(
    input_shape=(28, 28, 1),
    num_classes=10,
    filters=(32, 64),
    kernel_size=3,
    pool_size=2,
    dropout=0.5,
):
    """The small Keras MNIST convnet: [Conv-ReLU, MaxPool] blocks, dropout, softmax.

    With the defaults this is keras-io's "Simple MNIST convnet"::

        conv_1  Conv2D 32@3x3 ReLU   (26,26,32)     320
        pool_1  BlockMaxPooling2D 2  (13,13,32)
        conv_2  Conv2D 64@3x3 ReLU   (11,11,64)  18,496
        pool_2  BlockMaxPooling2D 2  (5,5,64)
        flatten                      (1600,)
        dropout Dropout 0.5
        output  Dense 10 softmax     (10,)       16,010
                                       total     34,826

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: number of softmax outputs.
        filters: number of filters of each convolution block; one block per entry.
        kernel_size: side of the square convolution kernels.
        pool_size: side of the square max-pooling windows (and strides).
        dropout: dropout rate before the output layer, in [0, 1).

    Returns:
        An uncompiled ``keras.Sequential`` named ``"convnet"`` (the stack keras-io writes),
        output ``(batch, num_classes)`` class probabilities.

    Each block computes ``maxpool(relu(W * x + b))`` (``*``: 2-D cross-correlation). The
    pooling is ``BlockMaxPooling2D``: the same function as ``MaxPooling2D``, with a
    backward pass that is not select-and-scatter under XLA.

    Example:
        >>> convnet().count_params()
        34826

    Reference:
        F. Chollet, "Simple MNIST convnet", keras.io/examples/vision/mnist_convnet.
    """
    height, width, channels = _check_image_shape(input_shape)
    num_classes = check_positive("num_classes", num_classes)
    kernel_size = check_positive("kernel_size", kernel_size)
    pool_size = check_positive("pool_size", pool_size)
    dropout = check_rate("dropout", dropout)
    if is_integer(filters):
        filters = (filters,)
    if not isinstance(filters, (tuple, list)) or not filters:
        raise ValueError(
            f"filters must be a non-empty tuple of positive integers. Received: filters={filters!r}"
        )
    filters = tuple(check_positive("filters", f) for f in filters)
    size_h, size_w = height, width
    for _ in filters:
        size_h, size_w = (
            (size_h - kernel_size + 1) // pool_size,
            (size_w - kernel_size + 1) // pool_size,
        )
    if min(size_h, size_w) < 1:
        raise ValueError(
            f"input_shape is too small for {len(filters)} blocks of {kernel_size}x{kernel_size} "
            f"convolution and {pool_size}x{pool_size} pooling. "
            f"Received: input_shape={input_shape!r}"
        )

    model = keras.Sequential(name="convnet")  # keras-io writes this network as a stack
    model.add(keras.Input(shape=(height, width, channels), name="image"))
    for block, block_filters in enumerate(filters, start=1):
        model.add(
            keras.layers.Conv2D(block_filters, kernel_size, activation="relu", name=f"conv_{block}")
        )  # (h - kernel_size + 1, w - kernel_size + 1, block_filters)
        model.add(BlockMaxPooling2D(pool_size, name=f"pool_{block}"))  # (h // pool_size, ...)
    model.add(keras.layers.Flatten(name="flatten"))  # (size_h * size_w * filters[-1],)
    model.add(keras.layers.Dropout(dropout, name="dropout"))
    model.add(keras.layers.Dense(num_classes, activation="softmax", name="output"))
    return model


def resnet_small(
    input_shape=(28, 28, 1),
    num_classes=10,
    filters=16,
    num_blocks=3,
    residual=True,
    use_batch_norm=True,
):
    """A small residual network: a stem, ``num_blocks`` basic blocks with identity shortcuts, GAP.

    Each basic block computes ``relu(x + F(x))`` with
    ``F = conv3x3 -> BN -> ReLU -> conv3x3 -> BN``; all convolutions keep the
    spatial size (``"same"`` padding) and the width ``filters``, so every
    shortcut is the identity and adds no parameters. ``residual=False`` drops
    the shortcuts (``relu(F(x))``) and gives a plain network with exactly the
    same parameters: the lectures' comparison showing that a deeper plain
    network can train worse, while the residual one does not (He et al. 2016).

    Layout::

        stem      conv3x3 (filters) -> BN -> ReLU          (h, w, filters)
        block_i   [conv3x3 -> BN -> ReLU -> conv3x3 -> BN] + x -> ReLU, i = 1..num_blocks
        gap       GlobalAveragePooling2D                   (filters,)
        output    Dense softmax                            (num_classes,)

    Parameters (convolutions have no bias when followed by batch norm):
    ``9 c filters + 2 (9 filters^2) num_blocks + (filters + 1) num_classes``
    trainable weights plus ``2 filters`` trainable and ``2 filters``
    non-trainable (moving statistics) per batch-norm layer, with ``c`` input
    channels.

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: number of softmax outputs.
        filters: width of every convolution.
        num_blocks: number of residual blocks (2 convolutions each).
        residual: ``True`` for identity shortcuts, ``False`` for the plain counterpart.
        use_batch_norm: batch normalization after each convolution.

    Returns:
        An uncompiled ``keras.Model`` named ``"resnet_small"`` (``"plain_small"`` without
        shortcuts), output ``(batch, num_classes)`` class probabilities.

    Example:
        >>> resnet_small(input_shape=(28, 28, 1)).output.shape
        (None, 10)

    Reference:
        K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
        recognition", CVPR 2016.
    """
    height, width, channels = _check_image_shape(input_shape)
    num_classes = check_positive("num_classes", num_classes)
    filters = check_positive("filters", filters)
    num_blocks = check_non_negative("num_blocks", num_blocks)

    def conv_bn(x, name, activation):
        x = keras.layers.Conv2D(
            filters, 3, padding="same", use_bias=not use_batch_norm, name=f"{name}_conv"
        )(x)  # (height, width, filters)
        if use_batch_norm:
            x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
        if activation:
            x = keras.layers.Activation("relu", name=f"{name}_relu")(x)
        return x

    inputs = keras.Input(shape=(height, width, channels), name="image")
    x = conv_bn(inputs, "stem", activation=True)  # (height, width, filters)
    for block in range(1, num_blocks + 1):
        shortcut = x
        x = conv_bn(x, f"block_{block}_1", activation=True)
        x = conv_bn(x, f"block_{block}_2", activation=False)
        if residual:
            x = keras.layers.Add(name=f"block_{block}_add")([x, shortcut])
        x = keras.layers.Activation("relu", name=f"block_{block}_relu")(x)
        # (height, width, filters)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)  # (filters,)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs, name="resnet_small" if residual else "plain_small")


def conv_demo(input_shape=(6, 6, 1)):
    """The lectures' convolution example: a 6x6 image and two fixed 3x3 filters.

    One ``Conv2D`` layer named ``"conv"`` with the two filters of
    :data:`CONV_DEMO_FILTERS` as its (non-trainable) kernel, no bias, stride 1,
    no padding. As in every deep-learning library, "convolution" is a
    cross-correlation::

        feature_map[i, j, f] = sum_{u, v < 3} image[i + u, j + v] * filter_f[u, v]

    On :data:`CONV_DEMO_IMAGE` (6x6) it gives two 4x4 feature maps; filter 1
    (the diagonal detector) responds with 3 at the top-left, where the image
    has a full diagonal, and with -1 at the top-right.

    Args:
        input_shape: ``(height, width, 1)``, at least 3x3.

    Returns:
        A ``keras.Model`` named ``"conv_demo"``; output ``(batch, height - 2, width - 2, 2)``.

    Example:
        >>> import numpy as np
        >>> image = np.array(CONV_DEMO_IMAGE, dtype="float32")[None, :, :, None]
        >>> float(conv_demo().predict(image, verbose=0)[0, 0, 0, 0])
        3.0

    Reference: the lectures' CNN slides; Goodfellow, Bengio & Courville, Deep Learning
    (2016), section 9.1.
    """
    height, width, channels = _check_image_shape(input_shape)
    if channels != 1 or min(height, width) < 3:
        raise ValueError(
            "conv_demo needs a single-channel image of at least 3x3 pixels. "
            f"Received: input_shape={input_shape!r}"
        )
    inputs = keras.Input(shape=(height, width, channels), name="image")
    conv = keras.layers.Conv2D(2, 3, use_bias=False, trainable=False, name="conv")
    outputs = conv(inputs)  # (height - 2, width - 2, 2)
    kernel = np.stack([np.array(f, dtype="float32") for f in CONV_DEMO_FILTERS], axis=-1)
    conv.set_weights([kernel[:, :, None, :]])  # (3, 3, 1, 2)
    return keras.Model(inputs, outputs, name="conv_demo")
