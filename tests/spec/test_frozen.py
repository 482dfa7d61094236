"""dlrecipes.spec.frozen: deeply immutable, hashable recipe data."""

import dataclasses

import pytest

from dlrecipes.registry import get
from dlrecipes.spec import FrozenDict, freeze, thaw


def test_freeze_makes_every_mapping_read_only_and_every_list_a_tuple():
    frozen = freeze({"units": [64, 32], "init": {"config": {"stddev": [0.1]}}})
    assert frozen == {"units": (64, 32), "init": {"config": {"stddev": (0.1,)}}}
    assert isinstance(frozen["init"]["config"], FrozenDict)
    with pytest.raises(TypeError):
        frozen["init"]["config"]["stddev"] = 1.0
    with pytest.raises(AttributeError, match="read-only"):
        frozen._items = {}
    assert hash(frozen) == hash(freeze({"init": {"config": {"stddev": [0.1]}}, "units": [64, 32]}))


def test_thaw_gives_plain_dicts_for_keras_and_toml():
    plain = thaw(freeze({"class_name": "RandomNormal", "config": {"stddev": 0.01}}))
    assert type(plain) is dict and type(plain["config"]) is dict
    plain["config"]["stddev"] = 1.0  # a copy: the frozen original is unchanged


def test_recipes_derived_from_each_other_share_nothing_mutable():
    """lenet5_modern derives from lenet5 with dataclasses.replace: a profile of one cannot be
    changed through the other (the defect that made this module necessary)."""
    lenet5, modern = get("lenet5"), get("lenet5_modern")
    with pytest.raises(TypeError):
        lenet5.profiles["smoke"]["train.epochs"] = 99
    assert modern.profiles["smoke"]["train.epochs"] != 99
    assert hash(lenet5) != hash(modern) and hash(lenet5) == hash(get("lenet5"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        lenet5.seed = 3  # type: ignore[misc]


def test_a_recipe_built_with_plain_dicts_is_frozen_on_construction():
    from dlrecipes.spec import ModelSpec

    options = {"hidden_units": [8]}
    spec = ModelSpec(builder="mlp", options=options)
    options["hidden_units"].append(4)  # the caller's dict is not the spec's
    assert spec.options == {"hidden_units": (8,)} and isinstance(spec.options, FrozenDict)
