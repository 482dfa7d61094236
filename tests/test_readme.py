"""The README's set-up commands and recipe table stay true."""

from __future__ import annotations

import re

from dlrecipes import docs
from tests.conftest import REPO_ROOT


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text()
    ci_lines = [
        line
        for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert len(ci_lines) == 1
    assert ci_lines[0] in readme
    assert re.search(r"pip install -e \. && python -m recipes run \w+", readme)


def test_readme_recipe_table_is_current():
    readme = (REPO_ROOT / "README.md").read_text()
    assert docs.render(readme) == readme, "run: python -m dlrecipes.docs"
