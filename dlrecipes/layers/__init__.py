"""Custom layers, one public class per file, registered as ``dlrecipes>ClassName``.

All use ``keras.ops`` only, so they run under the TensorFlow and JAX backends.

- :class:`ConnectionTableConv2D` -- LeNet-5's C3: each output map reads a subset of inputs.
- :class:`TrainableSubsampling2D` -- LeNet-5's S2/S4: coefficient * (2x2 sum) + bias.
- :class:`RBFOutput` -- Euclidean RBF units with fixed prototypes (LeNet-5's output).
- :class:`ScaledTanh` / :func:`scaled_tanh` -- f(a) = 1.7159 tanh(2a/3).
- :class:`Maxout` -- the max over k linear pieces (Goodfellow et al. 2013).
- :class:`PeepholeLSTMCell` -- an LSTM cell whose gates also read the cell state.
- :class:`BlockMaxPooling2D` -- ``MaxPooling2D`` whose gradient is fast under XLA and JAX.
- :class:`AdditiveMemoryCell` -- h_t = h_{t-1} + W g(x_t): the first step from RNN to LSTM.
- :class:`AdditiveCell` -- c_t = c_{t-1} + W g(x_t, h_{t-1}), h_t = tanh(c_t): the second.
"""

from dlrecipes.layers.additive_cell import AdditiveCell
from dlrecipes.layers.additive_memory_cell import AdditiveMemoryCell
from dlrecipes.layers.block_max_pooling2d import BlockMaxPooling2D
from dlrecipes.layers.connection_table_conv2d import LENET5_C3_TABLE, ConnectionTableConv2D
from dlrecipes.layers.maxout import Maxout
from dlrecipes.layers.peephole_lstm_cell import PeepholeLSTMCell
from dlrecipes.layers.rbf_output import DIGIT_FONT_7X12, RBFOutput, default_prototypes
from dlrecipes.layers.scaled_tanh import ScaledTanh, scaled_tanh
from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D

__all__ = [
    "DIGIT_FONT_7X12",
    "LENET5_C3_TABLE",
    "AdditiveCell",
    "AdditiveMemoryCell",
    "BlockMaxPooling2D",
    "ConnectionTableConv2D",
    "Maxout",
    "PeepholeLSTMCell",
    "RBFOutput",
    "ScaledTanh",
    "TrainableSubsampling2D",
    "default_prototypes",
    "scaled_tanh",
]
