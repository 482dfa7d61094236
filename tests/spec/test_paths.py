"""dlrecipes.spec.paths: the one dotted-path language (parse, set, get, flatten)."""

import pytest

from dlrecipes.registry import get
from dlrecipes.spec import (
    RecipeError,
    flatten,
    get_path,
    override_pairs,
    parse_override,
    parse_value,
    resolve,
    to_dict,
)


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.01", 0.01),
        ("3", 3),
        ("true", True),
        ("[64, 32]", [64, 32]),
        ("adam", "adam"),
        ('"3"', "3"),
        ("{ stddev = 0.1 }", {"stddev": 0.1}),
    ],
)
def test_values_are_toml_literals_or_plain_strings(text, value):
    assert parse_value(text) == value


def test_parse_override_splits_at_the_first_equals():
    assert parse_override("data.source=text:a=b.txt") == ("data.source", "text:a=b.txt")
    assert parse_override(" train.epochs = 3 ") == ("train.epochs", 3)


@pytest.mark.parametrize("item", ["train.epochs", "=3", ""])
def test_a_missing_key_or_equals_is_a_one_line_error(item):
    with pytest.raises(RecipeError, match="expects key=value") as error:
        parse_override(item)
    assert "\n" not in str(error.value) and repr(item) in str(error.value)


def test_override_pairs_takes_strings_or_a_typed_mapping():
    assert override_pairs(["a.b=1", "c=x"]) == {"a.b": 1, "c": "x"}
    assert override_pairs({"train.epochs": "3"}) == {"train.epochs": "3"}  # kept as given
    assert override_pairs(None) == {}
    with pytest.raises(RecipeError, match="an override expects key=value"):
        override_pairs(["train.epochs"], flag="an override")


def test_set_path_coerces_to_the_field_type_and_knows_the_options_shorthand():
    mlp = get("mlp")
    recipe = resolve(
        mlp,
        overrides={
            "train.epochs": "3",
            "model.hidden_units": [8, 4],
            "train.optimizer_options.momentum": 0.9,
        },
    )
    assert recipe.train.epochs == 3 and recipe.model.options["hidden_units"] == (8, 4)
    assert recipe.train.optimizer_options == {"momentum": 0.9}
    with pytest.raises(RecipeError, match="Did you mean 'train.learning_rate'"):
        resolve(mlp, overrides=["train.learnin_rate=0.1"])
    with pytest.raises(RecipeError, match="train.epochs has no sub-keys"):
        resolve(mlp, overrides=["train.epochs.x=1"])


def test_get_path_reads_what_set_path_writes():
    recipe = resolve(get("mlp"), overrides=["model.hidden_units=[8, 4]"])
    assert get_path(recipe, "model.hidden_units") == (8, 4)
    assert get_path(recipe, "model.options.hidden_units") == (8, 4)
    assert get_path(recipe, "train.epochs") == recipe.train.epochs
    assert get_path(recipe, "seed") == recipe.seed
    assert get_path(recipe, "train.optimizer_options.momentum") is None


def test_flatten_is_the_inverse_of_nesting_and_round_trips_a_recipe():
    assert flatten({"train": {"epochs": 3}, "seed": 1}) == [("train.epochs", 3), ("seed", 1)]
    base = get("mlp")
    data = to_dict(base)
    pairs = {k: v for k, v in flatten(data) if not k.startswith(("name", "summary", "lecture"))}
    assert resolve(base, overrides=pairs) == base
