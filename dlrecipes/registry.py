"""Find recipes: the modules of the ``recipes`` package, or a user's file.

- ``names()`` lists the modules in ``recipes/`` (pkgutil; nothing heavy is imported).
- ``get(name)`` imports ``recipes.<name>`` and returns its ``RECIPE``; the recipe's
  ``name`` must equal the module name.
- ``load(path)`` reads a user recipe: a ``.toml`` file (no code executed) or a
  ``.py`` module of the user's own that defines ``RECIPE``. A user recipe may not
  take a built-in's name (its runs would mix with the built-in's), except the
  ``recipe.toml`` a run saved, which re-runs as the recipe it records.
- ``find(name_or_path)`` does whichever applies.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from pathlib import Path

from dlrecipes.spec import Recipe, RecipeError, recipe_from_toml
from dlrecipes.spec.lookup import unknown_name

PACKAGE = "recipes"
#: The file a run or a search saves its resolved recipe in; it may carry a built-in's name.
SAVED_RECIPE = "recipe.toml"


def names() -> list[str]:
    """Names of the built-in recipes (modules of the ``recipes`` package)."""
    package = importlib.import_module(PACKAGE)
    return sorted(
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )


def _check(recipe, expected_name: str, where: str) -> Recipe:
    if not isinstance(recipe, Recipe):
        raise RecipeError(
            f"{where} must define RECIPE = Recipe(...). Received: {type(recipe).__name__}"
        )
    if recipe.name != expected_name:
        raise RecipeError(
            f"a recipe's name must equal its module name: {where} defines name="
            f"{recipe.name!r}, expected {expected_name!r}"
        )
    return recipe


def get(name: str) -> Recipe:
    """The built-in recipe called ``name``; unknown names list close matches."""
    available = names()
    if name not in available:
        raise unknown_name(
            name,
            available,
            kind="recipe",
            tail=f" Run 'python -m recipes list' to see all {len(available)} recipes.",
        )
    module = importlib.import_module(f"{PACKAGE}.{name}")
    return _check(getattr(module, "RECIPE", None), name, f"recipes/{name}.py")


def load(path: str | Path) -> Recipe:
    """A user recipe from a ``.toml`` file or a ``.py`` module given by path."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"recipe file not found. Received: {str(path)!r}")
    if path.suffix == ".toml":
        recipe = recipe_from_toml(path)
        if path.name == SAVED_RECIPE:  # a run's own record of a built-in: re-run as itself
            return recipe
        return _not_builtin(recipe, path, "the recipe")
    if path.suffix == ".py":
        spec = importlib.util.spec_from_file_location(f"user_recipe_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        recipe = _check(getattr(module, "RECIPE", None), path.stem, str(path))
        return _not_builtin(recipe, path, "the file and the recipe")
    raise RecipeError(f"a recipe file must end in .toml or .py. Received: {str(path)!r}")


def _not_builtin(recipe: Recipe, path: Path, rename: str) -> Recipe:
    """A user recipe may not take a built-in's name: its runs would land in (and be
    compared with) the built-in's run directories ``OUT/<name>/``."""
    if recipe.name in names():
        raise RecipeError(
            f"recipe name {recipe.name!r} in {str(path)!r} duplicates a built-in recipe; "
            f"expected a new name: rename {rename} (e.g. name = 'my_{recipe.name}')"
        )
    return recipe


def find(name_or_path: str | Path | Recipe) -> Recipe:
    """A Recipe given itself, a built-in name, or a path to a .toml/.py file."""
    if isinstance(name_or_path, Recipe):
        return name_or_path
    text = str(name_or_path)
    if text.endswith((".toml", ".py")) or "/" in text:
        return load(text)
    return get(text)


def all_recipes() -> list[Recipe]:
    """Every built-in recipe, in name order."""
    return [get(name) for name in names()]
