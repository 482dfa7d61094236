"""The library's one matplotlib set-up: every figure is drawn and saved through here.

Figures are files next to a run (``run_dir / "plots" / "<name>.png"``), never
windows, so matplotlib runs with its non-interactive ``Agg`` backend whatever
the machine has. A plotting function does::

    plt = pyplot()
    fig, axis = plt.subplots(figsize=(6, 4))
    axis.plot(values)
    save(fig, run_dir / "plots" / "values.png")

:func:`save` lays the figure out, writes it at :data:`DPI`, creates the parent
directory and closes the figure (a run draws dozens; open figures hold memory).
"""

from __future__ import annotations

from pathlib import Path

#: Resolution of every PNG the library writes (dots per inch).
DPI = 110


def pyplot():
    """``matplotlib.pyplot`` on the ``Agg`` backend (files only, no display needed).

    Imported on first use so that importing a report registry (which a recipe
    check does) does not import matplotlib.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path, *, tight_layout: bool = True, crop: bool = False) -> Path:
    """Write ``fig`` as a PNG at :data:`DPI` and close it.

    Args:
        fig: a matplotlib figure.
        path: the file to write; its parent directory is created.
        tight_layout: call ``fig.tight_layout()`` first (labels do not overlap). Turn it
            off for figures whose colour bar spans several axes, which ``tight_layout``
            cannot place.
        crop: save with ``bbox_inches="tight"``: the canvas is cropped to what is
            drawn (figures of many thin rows with labels outside the axes).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tight_layout:
        fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight" if crop else None)
    pyplot().close(fig)
    return path


def plots_dir(run_dir: str | Path) -> Path:
    """``run_dir / "plots"``, created if needed: where a run's figures go."""
    path = Path(run_dir) / "plots"
    path.mkdir(parents=True, exist_ok=True)
    return path
