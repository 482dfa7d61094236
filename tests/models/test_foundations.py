"""Deep versus wide (Seide et al. 2011): equivalent widths and matched parameter counts.

Backend-neutral: run under ``KERAS_BACKEND=tensorflow`` and ``KERAS_BACKEND=jax``.
"""

import pytest

from dlrecipes.models.foundations import deep_parameter_count, equivalent_width, matched_mlp

pytestmark = pytest.mark.backends  # also run under JAX by tests/test_backends_jax.py


def test_equivalent_width_reproduces_seide_2011_networks():
    # 11 frames x 39 features = 429 inputs, 9,304 senones: 1x3772 = 5x2k, 1x4634 = 7x2k.
    assert equivalent_width(429, 9304, 5, 2048) == 3772
    assert equivalent_width(429, 9304, 7, 2048) == 4634
    assert deep_parameter_count(64, 10, 2, 128) == 65 * 128 + 129 * 128 + 129 * 10


def test_matched_mlp_deep_and_wide_have_about_the_same_parameters():
    deep = matched_mlp(input_shape=(8, 8, 1), num_layers=5, units=32)
    wide = matched_mlp(input_shape=(8, 8, 1), units=32, match_layers=5)
    assert deep.count_params() == deep_parameter_count(64, 10, 5, 32)
    assert len([w for w in wide.layers if w.name.startswith("hidden_")]) == 1
    assert deep.count_params() - (64 + 1 + 10) <= wide.count_params() <= deep.count_params()
    with pytest.raises(ValueError, match="match_layers"):
        matched_mlp(match_layers=-1)


def test_matched_mlp_width_multiple_widens_every_hidden_layer_and_rejects_zero():
    model = matched_mlp(input_shape=(64,), num_layers=2, units=8, width_multiple=3)
    assert model.count_params() == (64 * 24 + 24) + (24 * 24 + 24) + (24 * 10 + 10)
    with pytest.raises(ValueError, match="width_multiple"):
        matched_mlp(input_shape=(64,), units=8, width_multiple=0)


def test_lecture_mlp_is_the_lectures_sequential_stack():
    import keras

    from dlrecipes.models.foundations import lecture_mlp

    model = lecture_mlp(input_shape=(28, 28, 1))
    assert isinstance(model, keras.Sequential)
    assert model.count_params() == (784 + 1) * 500 + (500 + 1) * 10 == 397_510
    assert [type(layer).__name__ for layer in model.layers] == [
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert model.get_layer("hidden").activation.__name__ == "sigmoid"
    assert model.get_layer("dropout").rate == 0.5
    plain = lecture_mlp(input_shape=(64,), dropout=0.0)
    assert "Dropout" not in [type(layer).__name__ for layer in plain.layers]
    with pytest.raises(ValueError, match="dropout"):
        lecture_mlp(dropout=1.5)
