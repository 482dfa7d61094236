"""The recipes: one module per recipe, each defining a frozen ``RECIPE`` constant.

Importing a recipe builds nothing. Run one with ``python -m recipes run NAME``.
"""
