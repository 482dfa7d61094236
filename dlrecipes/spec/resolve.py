"""Resolve a recipe once: defaults -> profile -> TOML config -> overrides -> seed.

:func:`resolve` returns the resolved :class:`~dlrecipes.spec.schema.Recipe`;
:func:`resolve_run` returns a :class:`Resolved`, the resolved recipe together
with the recipe it came from and the profile used, which is what the
orchestrator needs to judge an expectation. ``compare``, ``tune`` and
``--retrain-best`` resolve once and pass a :class:`Resolved` down; nothing
below them resolves again.

    >>> from recipes.mlp import RECIPE
    >>> r = resolve(RECIPE, profile="smoke", overrides=["train.learning_rate=0.01"])
    >>> r.train.learning_rate
    0.01
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlrecipes.spec.coerce import from_dict, to_dict
from dlrecipes.spec.errors import RecipeError
from dlrecipes.spec.paths import Overrides, flatten, override_pairs, set_path
from dlrecipes.spec.schema import Recipe


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; a missing or unreadable file, bytes that are not UTF-8 (TOML is
    UTF-8 text) or a syntax error is a one-line RecipeError."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"config file not found. Received: {str(path)!r}")
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"TOML syntax error in {str(path)!r}: {error}") from None
    except UnicodeDecodeError as error:
        raise RecipeError(
            f"{str(path)!r} is not UTF-8 text: byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start}; expected a TOML file, which is UTF-8"
        ) from None
    except OSError as error:
        raise RecipeError(
            f"cannot read {str(path)!r} ({error.strerror or error}); expected a readable TOML file"
        ) from None


def resolve(
    recipe: Recipe,
    *,
    profile: str | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    overrides: Overrides = (),
    seed: int | None = None,
) -> Recipe:
    """Apply profile, config file and overrides, in that order.

    Args:
        recipe: the recipe's defaults.
        profile: a profile name declared by the recipe (e.g. ``"smoke"``).
        config: a TOML file (or a mapping) shaped like a recipe: ``[train] epochs = 3``.
        overrides: ``"a.b=value"`` strings (values parsed as TOML literals) or a mapping.
        seed: replaces the recipe's seed.

    Returns:
        A new, validated :class:`Recipe`.
    """
    data = to_dict(recipe)
    if profile:
        if profile not in recipe.profiles:
            raise RecipeError(
                f"recipe {recipe.name!r} has no profile {profile!r}. "
                f"Expected one of: {', '.join(sorted(recipe.profiles))}"
            )
        for path, value in recipe.profiles[profile].items():
            set_path(data, path, value)
    if config is not None:
        config_data = config if isinstance(config, Mapping) else load_toml(config)
        for path, value in flatten(config_data):
            set_path(data, path, value)
    for path, value in override_pairs(overrides).items():
        set_path(data, path, value)
    if seed is not None:
        data["seed"] = seed
    return from_dict(Recipe, data)


def with_overrides(recipe: Recipe, overrides: Overrides) -> Recipe:
    """A copy of ``recipe`` with dotted-path ``overrides`` applied."""
    return resolve(recipe, overrides=overrides)


def _task_data(recipe: Recipe) -> tuple:
    """The data fields that define the task an expectation is stated for."""
    data = recipe.data
    return (data.source, data.options, data.limit, data.test_fraction)


@dataclass(frozen=True)
class Resolved:
    """A resolved recipe, with what it was resolved from.

    Attributes:
        recipe: the recipe that runs (every override applied).
        base: the recipe's defaults, as declared.
        profile: the profile applied (``None`` for the default profile).
        resumed: ``True`` when ``recipe`` was read back from a run directory to resume it.
    """

    recipe: Recipe
    base: Recipe
    profile: str | None = None
    resumed: bool = False

    @property
    def expectation_applies(self) -> bool:
        """Whether the recipe's expectation judges this run.

        It is stated for the default profile on the recipe's own task: the same
        source, source options (e.g. the adding problem's length ``T``), example
        limit and test split. A profile or a change to any of those makes it
        inapplicable unless the expectation was restated too (as the CNN recipes'
        ``mnist8k`` profiles do). Preprocessing and training changes (augmentation,
        learning rate, epochs, the validation split: ``tune --retrain-best`` trains
        on train + validation) are still judged: they are what a user tries in
        order to reach it.
        """
        if self.resumed or self.recipe.expect != self.base.expect:
            return True
        return self.profile is None and _task_data(self.recipe) == _task_data(self.base)

    def with_overrides(self, overrides: Overrides, where: str = "") -> Resolved:
        """The same resolution with more overrides on top (a compare arm, a trial).

        ``where`` (e.g. ``"variant 'adam' of recipe 'optimizers'"``) prefixes errors.
        """
        try:
            recipe = resolve(self.recipe, overrides=overrides)
        except RecipeError as error:
            if not where:
                raise
            raise RecipeError(f"{where}: {error}") from None
        return Resolved(recipe, self.base, self.profile, self.resumed)


def resolve_run(
    recipe: Recipe,
    *,
    profile: str | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    overrides: Overrides = (),
    seed: int | None = None,
) -> Resolved:
    """:func:`resolve`, keeping the base recipe and the profile for the expectation."""
    resolved = resolve(recipe, profile=profile, config=config, overrides=overrides, seed=seed)
    return Resolved(resolved, recipe, profile or None)


def expectation_applies(base: Recipe, resolved: Recipe, profile: str | None = None) -> bool:
    """Whether ``base``'s expectation judges ``resolved`` (see :class:`Resolved`)."""
    return Resolved(resolved, base, profile).expectation_applies


def recipe_to_toml(recipe: Recipe) -> str:
    """The recipe as TOML text (what a run saves as ``recipe.toml``)."""
    import tomli_w

    return tomli_w.dumps(to_dict(recipe))


def recipe_from_toml(path: str | Path) -> Recipe:
    """Read a recipe written as TOML; no code is executed."""
    data = load_toml(path)
    for required in ("name", "summary", "lecture"):
        if required not in data:
            raise RecipeError(
                f"a TOML recipe needs a top-level {required!r}. Received keys: {', '.join(data)}"
            )
    return from_dict(Recipe, data)
