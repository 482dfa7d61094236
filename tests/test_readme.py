"""The README's set-up commands and recipe table stay true."""

from __future__ import annotations

import re

import pytest

from dlrecipes import docs
from tests.conftest import REPO_ROOT


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    ci_lines = [
        line
        for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd ", 'if [ "${CI:-}" = "true" ]'))
    ]
    assert len(ci_lines) == 1
    assert ci_lines[0] in readme
    assert re.search(r"pip install -e \. && python -m recipes run \w+", readme)


def test_readme_recipe_table_is_current():
    readme = (REPO_ROOT / "README.md").read_text()
    assert docs.render(readme) == readme, "run: python -m dlrecipes.docs"


def test_readme_gallery_is_current():
    readme = (REPO_ROOT / "README.md").read_text()
    assert docs.render_gallery(readme) == readme, "run: python -m dlrecipes.docs --gallery"


def test_readme_images_exist():
    readme = (REPO_ROOT / "README.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", readme)
    links += re.findall(r"<img[^>]+src=\"([^\"]+)\"", readme)
    assert links, "the README shows no image"
    local = [link for link in links if not link.startswith(("http://", "https://"))]
    missing = [link for link in local if not (REPO_ROOT / link).is_file()]
    assert not missing, f"README links to images that do not exist: {missing}"


def test_gallery_images_come_from_the_stored_notebooks():
    for notebook, label, _ in docs.GALLERY:
        stored = docs.notebook_plot(REPO_ROOT / "notebooks" / f"{notebook}.ipynb", label)
        assert stored[:8] == b"\x89PNG\r\n\x1a\n"
        gallery = REPO_ROOT / "notebooks" / "gallery" / docs.gallery_file(label)
        assert gallery.read_bytes() == stored, "run: python -m dlrecipes.docs --gallery"


def test_notebook_plot_names_what_is_missing(tmp_path):
    empty = tmp_path / "empty.ipynb"
    empty.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    with pytest.raises(ValueError, match="no stored output 'lenet5/feature_maps.png'"):
        docs.notebook_plot(empty, "lenet5/feature_maps.png")
