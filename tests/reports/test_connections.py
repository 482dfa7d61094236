"""dlrecipes.reports.connections: LeNet-5's connections per layer, as in LeCun et al. (1998)."""

from __future__ import annotations

import keras

from dlrecipes.models import lenet5
from dlrecipes.reports import get
from dlrecipes.reports.connections import connection_table, format_table, layer_connections

# LeCun et al. (1998), section II-B: (trainable parameters, connections) per layer.
PAPER = {
    "C1": (156, 122_304),
    "S2": (12, 5_880),
    "C3": (1_516, 151_600),
    "S4": (32, 2_000),
    "C5": (48_120, 48_120),
    "F6": (10_164, 10_164),
    "OUTPUT": (0, 840),  # 840 fixed RBF prototype weights, 10 x 84 distances
}
PAPER_TOTAL_CONNECTIONS = 340_908


def test_faithful_lenet5_has_the_papers_connections_per_layer():
    rows = connection_table(lenet5())
    assert {r["layer"]: (r["trainable"], r["connections"]) for r in rows} == PAPER
    assert sum(r["connections"] for r in rows) == PAPER_TOTAL_CONNECTIONS
    assert [r["non_trainable"] for r in rows] == [0, 0, 0, 0, 0, 0, 840]
    assert format_table(rows).splitlines()[-1].split() == ["total", "60,000", "840", "340,908"]


def test_the_modern_variant_counts_a_dense_c3_and_parameter_free_pooling():
    rows = {r["layer"]: r for r in connection_table(lenet5(faithful=False))}
    assert rows["C3"]["connections"] == 10 * 10 * 16 * (5 * 5 * 6 + 1)  # all 6 S2 maps
    assert rows["S2"]["connections"] == 14 * 14 * 6 * 4 and rows["S2"]["trainable"] == 0
    assert rows["OUTPUT"]["connections"] == 10 * (84 + 1)


def test_rules_for_conv1d_strides_and_unknown_layers():
    inputs = keras.Input((20, 3))
    conv = keras.layers.Conv1D(4, 5, strides=3, use_bias=False)
    norm = keras.layers.LayerNormalization()
    keras.Model(inputs, norm(conv(inputs)))
    assert layer_connections(conv) == 6 * 4 * (5 * 3)  # (20 - 5) // 3 + 1 = 6 positions
    assert layer_connections(norm) is None


def test_report_writes_the_plot_and_table(tmp_path):
    (tmp_path / "plots").mkdir()
    out = get("connections")(lenet5(), None, None, tmp_path)
    assert out["total_connections"] == PAPER_TOTAL_CONNECTIONS
    assert out["total_trainable"] == 60_000
    assert out["layers"]["C3"] == {"trainable": 1516, "non_trainable": 0, "connections": 151_600}
    assert (tmp_path / "plots" / "connections.png").stat().st_size > 2000
    assert "340,908" in (tmp_path / "connections.txt").read_text()
