"""Connections as well as parameters: LeNet-5's table of section II-B, from the built layers.

A *parameter* is a stored weight; a *connection* is one multiply (or one bias
addition) the forward pass performs. Weight sharing is what separates them: a
convolution's 25 + 1 weights of one map are reused at every output position.
LeCun et al. (1998) give both for every layer of LeNet-5::

    layer    parameters   connections   how the connections are counted
    C1              156       122,304   28 x 28 positions x 6 maps x (5 x 5 x 1 + 1)
    S2               12         5,880   14 x 14 x 6 x (2 x 2 + 1)
    C3            1,516       151,600   10 x 10 x (60 kernels x 25 + 16 biases), Table I
    S4               32         2,000   5 x 5 x 16 x (2 x 2 + 1)
    C5           48,120        48,120   1 x 1 x 120 x (5 x 5 x 16 + 1)
    F6           10,164        10,164   84 x (120 + 1)
    OUTPUT        (840)           840   10 RBF units x 84 inputs, no bias
    total        60,000       340,908

:func:`layer_connections` counts them from a layer's configuration and output
shape (nothing is hard-coded): ``output positions x sum over output maps of
(inputs each unit reads + 1 if biased)``. The ``connections`` report writes that
table for a run's model (``plots/connections.png`` and ``metrics.json``).

Reference: Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
learning applied to document recognition", Proc. IEEE 86(11), 1998, section II-B.
"""

from __future__ import annotations

from math import prod
from pathlib import Path

from dlrecipes.reports.figures import pyplot, save
from dlrecipes.reports.model_parts import base_model

# Keras and the library's layers are imported inside the functions, as in
# reports/cnn.py: checking a recipe's report names must not import Keras.


def _positions(layer) -> int:
    """Number of spatial output positions of a 4-D (or 3-D) layer output (batch dropped)."""
    shape = tuple(layer.output.shape)[1:-1]
    if any(d is None for d in shape):
        raise ValueError(
            f"connections need a known output shape. Received: layer {layer.name!r} "
            f"with output shape {tuple(layer.output.shape)}"
        )
    return prod(int(d) for d in shape)


def layer_connections(layer) -> int | None:
    """The number of connections of one built Keras layer, or ``None`` for an unknown kind.

    Rules (``P`` output positions, ``C_in`` input channels, ``b`` = 1 with a bias):

    - ``Conv1D`` / ``Conv2D``: ``P x filters x (kernel area x C_in / groups + b)``;
    - :class:`~dlrecipes.layers.ConnectionTableConv2D`:
      ``P x sum_k (kernel area x |table[k]| + b)``;
    - :class:`~dlrecipes.layers.TrainableSubsampling2D`: ``P x C x (pool area + b)``;
      ``AveragePooling`` / ``MaxPooling``: ``P x C x pool area``;
    - ``Dense``: ``units x (inputs + b)``; :class:`~dlrecipes.layers.RBFOutput`:
      ``units x inputs`` (a squared distance to each prototype, no bias);
    - layers without weights that only move values (``Input``, ``Flatten``,
      ``Activation``, ``Dropout``, ``Reshape``): 0.

    Args:
        layer: a built layer of a model (its ``output`` shape is known).

    Returns:
        The count as an ``int``; ``None`` when the layer's kind has no rule here.
    """
    from keras import layers

    from dlrecipes.layers.connection_table_conv2d import ConnectionTableConv2D
    from dlrecipes.layers.rbf_output import RBFOutput
    from dlrecipes.layers.trainable_subsampling import TrainableSubsampling2D

    if isinstance(layer, ConnectionTableConv2D):
        area = prod(layer.kernel_size)
        per_position = sum(area * len(row) + layer.use_bias for row in layer.connection_table)
        return _positions(layer) * per_position
    if isinstance(layer, (layers.Conv1D, layers.Conv2D)):
        in_channels = int(layer.input.shape[-1]) // layer.groups
        fan_in = prod(layer.kernel_size) * in_channels + layer.use_bias
        return _positions(layer) * layer.filters * fan_in
    if isinstance(layer, TrainableSubsampling2D):
        channels = int(layer.output.shape[-1])
        return _positions(layer) * channels * (prod(layer.pool_size) + layer.use_bias)
    pooling = (
        layers.AveragePooling1D,
        layers.AveragePooling2D,
        layers.MaxPooling1D,
        layers.MaxPooling2D,
    )
    if isinstance(layer, pooling):
        return _positions(layer) * int(layer.output.shape[-1]) * prod(layer.pool_size)
    if isinstance(layer, RBFOutput):
        return layer.units * int(layer.input.shape[-1])
    if isinstance(layer, layers.Dense):
        return layer.units * (int(layer.input.shape[-1]) + layer.use_bias)
    moving = (layers.InputLayer, layers.Flatten, layers.Activation, layers.Dropout, layers.Reshape)
    if isinstance(layer, moving):
        return 0
    return None


def connection_table(model) -> list[dict]:
    """One row per layer of ``model`` (the builder's, unwrapped) that has weights or connections.

    Returns:
        ``[{"layer", "kind", "output_shape", "trainable", "non_trainable",
        "connections"}, ...]``; ``connections`` is ``None`` for a layer kind
        :func:`layer_connections` has no rule for.
    """
    rows = []
    for layer in base_model(model).layers:
        connections = layer_connections(layer)
        trainable = sum(prod(w.shape) for w in layer.trainable_weights)
        non_trainable = sum(prod(w.shape) for w in layer.non_trainable_weights)
        if connections == 0 and trainable == non_trainable == 0:
            continue
        rows.append(
            {
                "layer": layer.name,
                "kind": type(layer).__name__,
                "output_shape": [int(d) for d in tuple(layer.output.shape)[1:]],
                "trainable": int(trainable),
                "non_trainable": int(non_trainable),
                "connections": connections,
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    """The rows as the aligned text table of the module docstring, with a total line."""
    lines = [f"{'layer':<10}{'output':>14}{'parameters':>13}{'fixed':>8}{'connections':>14}"]
    for row in rows:
        shape = "x".join(str(d) for d in row["output_shape"])
        connections = "n/a" if row["connections"] is None else f"{row['connections']:,}"
        lines.append(
            f"{row['layer']:<10}{shape:>14}{row['trainable']:>13,}{row['non_trainable']:>8,}"
            f"{connections:>14}"
        )
    totals = totals_of(rows)
    lines.append(
        f"{'total':<10}{'':>14}{totals['trainable']:>13,}{totals['non_trainable']:>8,}"
        f"{totals['connections']:>14,}"
    )
    return "\n".join(lines)


def totals_of(rows: list[dict]) -> dict:
    """Sums of ``trainable``, ``non_trainable`` and ``connections`` (unknown layers count 0)."""
    return {
        "trainable": sum(r["trainable"] for r in rows),
        "non_trainable": sum(r["non_trainable"] for r in rows),
        "connections": sum(r["connections"] or 0 for r in rows),
    }


def plot_connections(rows: list[dict], path: str | Path, title: str = "") -> Path:
    """Bars of parameters and connections per layer on a log scale (weight sharing made visible)."""
    plt = pyplot()
    names = [r["layer"] for r in rows]
    parameters = [max(r["trainable"] + r["non_trainable"], 1) for r in rows]
    connections = [max(r["connections"] or 0, 1) for r in rows]
    fig, axis = plt.subplots(figsize=(7, 3.8))
    positions = range(len(rows))
    axis.bar([p - 0.2 for p in positions], parameters, width=0.4, label="parameters")
    axis.bar([p + 0.2 for p in positions], connections, width=0.4, label="connections")
    for p, (n_params, n_conn) in enumerate(zip(parameters, connections, strict=True)):
        axis.text(p - 0.2, n_params, f"{n_params:,}", ha="center", va="bottom", fontsize=7)
        axis.text(p + 0.2, n_conn, f"{n_conn:,}", ha="center", va="bottom", fontsize=7)
    axis.set_xticks(list(positions), names)
    axis.set_yscale("log")
    axis.set_ylabel("count (log scale)")
    axis.legend(loc="upper right")
    totals = totals_of(rows)
    axis.set_title(
        title
        or f"parameters ({totals['trainable']:,} trainable) vs connections "
        f"({totals['connections']:,})"
    )
    return save(fig, path)


def connections(model, splits, recipe, run_dir: Path) -> dict:
    """Report ``connections``: parameters and connections per layer, as in LeCun et al. (1998).

    Writes ``plots/connections.png`` and ``connections.txt`` (the text table).

    Returns:
        ``{"layers": {name: {"trainable", "non_trainable", "connections"}},
        "total_connections", "total_trainable"}``.
    """
    rows = connection_table(model)
    run_dir = Path(run_dir)
    plot_connections(rows, run_dir / "plots" / "connections.png")
    (run_dir / "connections.txt").write_text(format_table(rows) + "\n")
    totals = totals_of(rows)
    return {
        "layers": {
            r["layer"]: {k: r[k] for k in ("trainable", "non_trainable", "connections")}
            for r in rows
        },
        "total_connections": totals["connections"],
        "total_trainable": totals["trainable"],
    }
