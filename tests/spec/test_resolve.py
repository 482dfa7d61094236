"""The recipe spec: override order, coercion, validation, TOML round trip."""

from __future__ import annotations

import pytest

from dlrecipes.recipe import (
    DataSpec,
    ExpectSpec,
    Hyperparameter,
    ModelSpec,
    Recipe,
    RecipeError,
    TrainSpec,
    choice,
    log_uniform,
    parse_value,
    recipe_from_toml,
    recipe_to_toml,
    resolve,
)


def make_recipe(**kwargs) -> Recipe:
    defaults = dict(
        name="toy",
        summary="a toy",
        lecture="tests",
        data=DataSpec(source="digits"),
        model=ModelSpec("mlp", {"hidden_units": (64,), "dropout": 0.1}),
        train=TrainSpec(epochs=5, learning_rate=0.01),
        expect=ExpectSpec("accuracy", 0.9),
        profiles={"smoke": {"train.epochs": 1, "data.limit": 100}},
    )
    defaults.update(kwargs)
    return Recipe(**defaults)


def test_override_order_defaults_profile_config_set(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[train]\nepochs = 7\nbatch_size = 16\n[data]\nlimit = 50\n")
    recipe = make_recipe()
    assert resolve(recipe).train.epochs == 5
    assert resolve(recipe, profile="smoke").train.epochs == 1
    both = resolve(recipe, profile="smoke", config=config)
    assert (both.train.epochs, both.train.batch_size, both.data.limit) == (7, 16, 50)
    final = resolve(recipe, profile="smoke", config=config, overrides=["train.epochs=9"])
    assert (final.train.epochs, final.train.batch_size) == (9, 16)
    assert recipe.train.epochs == 5, "resolving must not mutate the recipe"


def test_values_are_coerced_to_the_field_type():
    recipe = resolve(
        make_recipe(),
        overrides=[
            "train.epochs=3.0",
            "train.learning_rate=1",
            "train.jit_compile=false",
            "data.standardize=yes",
            "train.metrics=accuracy,mse",
            "model.hidden_units=[32, 16]",
            "model.options.dropout=0.3",
            "train.optimizer_options.momentum=0.5",
            "seed=4",
        ],
    )
    assert recipe.train.epochs == 3 and isinstance(recipe.train.epochs, int)
    assert recipe.train.learning_rate == 1.0 and isinstance(recipe.train.learning_rate, float)
    assert recipe.train.jit_compile is False
    assert recipe.data.standardize is True
    assert recipe.train.metrics == ("accuracy", "mse")
    assert recipe.model.options == {"hidden_units": (32, 16), "dropout": 0.3}
    assert recipe.train.optimizer_options == {"momentum": 0.5}
    assert recipe.seed == 4


def test_parse_value_reads_toml_literals_and_falls_back_to_strings():
    assert parse_value("0.01") == 0.01
    assert parse_value("true") is True
    assert parse_value("[1, 2]") == [1, 2]
    assert parse_value("adam") == "adam"
    assert parse_value("mnist_idx:../shared/data/mnist-8k") == "mnist_idx:../shared/data/mnist-8k"


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.learnin_rate=0.1", "Did you mean 'train.learning_rate'"),
        ("trian.epochs=3", "Did you mean 'train.epochs'"),
        ("train.epochs=abc", "train.epochs expects an integer. Received: 'abc'"),
        ("train.learning_rate=fast", "train.learning_rate expects a number. Received: 'fast'"),
        ("train.jit_compile=maybe", "train.jit_compile expects true or false"),
        ("train.epochs=0", "train.epochs must be a positive integer. Received: train.epochs=0"),
        ("data.scale=unti", "Did you mean 'unit'"),
        ("train.epochs", "--set expects key=value. Received: 'train.epochs'"),
        ("model.options.dropout=high", "expects a number"),
    ],
)
def test_bad_overrides_are_one_line_errors(override, message):
    with pytest.raises(RecipeError) as error:
        resolve(make_recipe(), overrides=[override])
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_unknown_profile_lists_the_profiles():
    with pytest.raises(RecipeError, match="has no profile 'fast'. Expected one of: smoke"):
        resolve(make_recipe(), profile="fast")


def test_config_file_errors(tmp_path):
    with pytest.raises(RecipeError, match="config file not found"):
        resolve(make_recipe(), config=tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[train\nepochs = 3\n")
    with pytest.raises(RecipeError, match="TOML syntax error"):
        resolve(make_recipe(), config=broken)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[train]\nepoch = 3\n")
    with pytest.raises(RecipeError, match="Did you mean 'train.epochs'"):
        resolve(make_recipe(), config=unknown)


def test_every_recipe_needs_a_smoke_profile():
    with pytest.raises(RecipeError, match="must declare a 'smoke' profile"):
        make_recipe(profiles={})


def test_toml_round_trip_preserves_the_recipe(tmp_path):
    recipe = make_recipe(
        search=make_recipe().search.__class__(
            params=(
                log_uniform("train.learning_rate", 1e-4, 1e-1),
                choice("train.batch_size", 16, 32),
            )
        )
    )
    path = tmp_path / "toy.toml"
    path.write_text(recipe_to_toml(recipe))
    assert recipe_from_toml(path) == recipe


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="uniform", low=1.0, high=0.5), "low must be <= high"),
        (dict(kind="log_uniform", low=0.0, high=1.0), "a log range needs low > 0"),
        (dict(kind="choice"), "a choice needs at least one value"),
        (dict(kind="normal", low=0, high=1), "must be one of log_uniform"),
    ],
)
def test_bad_search_spaces_fail_at_definition(kwargs, message):
    with pytest.raises(RecipeError, match=message):
        Hyperparameter("train.learning_rate", **kwargs)


def test_toml_recipe_needs_name_summary_lecture(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('summary = "x"\nlecture = "y"\n')
    with pytest.raises(RecipeError, match="needs a top-level 'name'"):
        recipe_from_toml(path)
