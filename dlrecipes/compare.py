"""Compatibility name of :mod:`dlrecipes.runs.comparison`."""

from dlrecipes.runs.comparison import CompareResult, VariantResult, compare, format_table

__all__ = ["CompareResult", "VariantResult", "compare", "format_table"]
