"""The report printed after a run."""

from __future__ import annotations


def summary_line(result) -> str:
    """The one-paragraph report printed after a run (a :class:`~dlrecipes.runs.RunResult`)."""
    m = result.metrics
    expect = m.get("expect", {})
    value = expect.get("value")
    if value is not None:
        sign = ">=" if expect.get("higher_is_better", True) else "<="
        verdict = "REACHED" if expect.get("reached") else "NOT reached"
        if not expect.get("applies", True):
            verdict = "not applicable: this run used other data"
        split = expect.get("split", "test")
        head = (
            f"{result.recipe.name}: {split} {expect['metric']} = {value:.4f} "
            f"(expect {sign} {expect['threshold']} on {expect.get('data') or 'its data'}: "
            f"{verdict})"
        )
    else:
        head = f"{result.recipe.name}: done"
    speed = m.get("steps_per_second")
    tail = f"wall {m.get('wall_time_s', 0):.1f} s"
    if speed:
        tail += f", {speed:.0f} steps/s"
    return f"{head}\n  {tail}; run directory: {result.run_dir}"
