"""Errors a user can cause with a data source."""

from dlrecipes.recipe import RecipeError


class DataUnavailableError(RecipeError):
    """A data source cannot be read: missing file, wrong format, or offline download."""
