"""The HTML report: self-contained (no network, no other file), every section present,
and checked in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``,
driven by Selenium): no console error, every image loaded, the tables there."""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest

from dlrecipes import stats
from dlrecipes.cli import main
from dlrecipes.reports.html import kind_of, render_report
from dlrecipes.runs import comparison, seeds

TINY = dict(smoke=True, overrides=["data.limit=128", "train.epochs=1"], quiet=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """A group of two seeds and a comparison of two arms over two seeds (tiny smoke runs)."""
    out = tmp_path_factory.mktemp("report")
    group = seeds.run_seeds("optimizers", seeds="0-1", out=out, **TINY)
    compared = comparison.compare_seeds(
        "optimizers", seeds="0-1", only=["sgd", "adam"], out=out, **TINY
    )
    return {
        "seeds": group.group_dir,
        "run": group.runs[0].run_dir,
        "other_run": compared.arms["sgd"][1].run_dir,
        "compare": compared.compare_dir,
    }


def _images(page: str) -> list[str]:
    return re.findall(r'<img [^>]*src="([^"]*)"', page)


def test_each_kind_of_directory_is_recognised(made, tmp_path):
    assert kind_of(made["run"]) == "run"
    assert kind_of(made["seeds"]) == "seeds"
    assert kind_of(made["compare"]) == "compare"
    with pytest.raises(ValueError, match="a report needs a run, seeds group or compare"):
        kind_of(tmp_path)


def test_the_page_is_self_contained(made):
    for name in ("run", "seeds", "compare"):
        page = render_report([made[name]])
        images = _images(page)
        assert images, name
        for source in images:
            assert source.startswith("data:image/png;base64,")
            assert base64.b64decode(source.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert not re.search(r'(src|href)="(https?:)?//', page), name
        assert "<script" not in page


def test_a_group_page_has_expectation_metrics_per_seed_recipe_and_plots(made):
    page = (made["seeds"] / "report.html").read_text()
    assert 'class="metrics"' in page and 'class="per-seed"' in page
    assert "95% CI (t)" in page and "IQM" in page
    assert "expectation: test accuracy &gt;= 0.9" in page
    assert "[train]" in page  # the resolved recipe as TOML
    assert "seeds_loss" in page and "plots of " in page  # group bands and each seed's plots


def test_a_comparison_page_has_the_verdict_column(made):
    page = (made["compare"] / "report.html").read_text()
    assert 'class="comparison"' in page and "<th>verdict</th>" in page
    assert "reference arm <b>adam</b>" in page
    verdicts = re.findall(r'<td class="verdict[^"]*">([^<]*)</td>', page)
    assert verdicts[-1] == "reference" and verdicts[0] in stats.VERDICTS


def test_report_a_b_side_by_side_with_differences(made, tmp_path, capsys):
    output = tmp_path / "a_vs_b.html"
    assert main(["report", str(made["run"]), str(made["other_run"]), "--output", str(output)]) == 0
    assert capsys.readouterr().out.strip() == f"report: {output}"
    page = output.read_text()
    assert 'class="side"' in page and 'class="recipe-differences"' in page
    # seed 0 with adam (the defaults) against seed 1 with sgd at 0.1
    differences = page.split('class="recipe-differences"')[1].split("</table>")[0]
    for field in ("seed", "train.optimizer", "train.learning_rate"):
        assert f"<td>{field}</td>" in differences
    assert 'class="metric-differences"' in page and "test_accuracy" in page


def test_report_of_one_directory_defaults_to_dir_report_html(made, capsys):
    target = made["run"] / "report.html"
    target.unlink(missing_ok=True)
    assert main(["report", str(made["run"])]) == 0
    assert target.is_file() and capsys.readouterr().out.strip() == f"report: {target}"


def test_report_of_a_non_run_directory_is_a_one_line_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: a report needs a run")


# ----------------------------------------------------------------------------- the browser


def _chromium() -> tuple[str, str]:
    """Paths of the Chromium binary and its driver, or a skip (a failure in CI) saying
    what is missing."""
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[test]')")
    browser = next(
        (shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None
    )
    driver = shutil.which("chromedriver")
    if browser is None:
        missing.append("chromium (apt-get install chromium)")
    if driver is None:
        missing.append("chromedriver (apt-get install chromium-driver)")
    if missing:
        reason = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs them in CI")
        pytest.skip(reason)
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    binary, driver_path = _chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def _open(browser, path: Path) -> dict:
    browser.get(path.resolve().as_uri())
    return browser.execute_script(
        """
        const images = Array.from(document.images);
        return {
          images: images.length,
          loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
          tables: Array.from(document.querySelectorAll('table')).map(t => t.className),
          headers: Array.from(document.querySelectorAll('th')).map(th => th.textContent),
          verdicts: Array.from(document.querySelectorAll('td.verdict, td[class^="verdict"]'))
            .map(td => td.textContent),
        };
        """
    )


def _console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_reports_in_headless_chromium(made, browser, tmp_path):
    side_by_side = tmp_path / "side.html"
    side_by_side.write_text(render_report([made["run"], made["other_run"]]))
    pages = {
        "run": made["run"] / "report.html",
        "seeds": made["seeds"] / "report.html",
        "compare": made["compare"] / "report.html",
        "side": side_by_side,
    }
    if not pages["run"].is_file():
        pages["run"].write_text(render_report([made["run"]]))
    for name, page in pages.items():
        seen = _open(browser, page)
        assert _console_errors(browser) == [], name
        assert seen["images"] > 0 and seen["loaded"] == seen["images"], (name, seen)
        assert "metrics" in seen["tables"] or "comparison" in seen["tables"], (name, seen)
        if name == "seeds":
            assert "per-seed" in seen["tables"]
        if name == "compare":
            assert "verdict" in seen["headers"]
            assert seen["verdicts"] and seen["verdicts"][-1] == "reference", seen["verdicts"]
        if name == "side":
            assert {"recipe-differences", "metric-differences"} <= set(seen["tables"])
