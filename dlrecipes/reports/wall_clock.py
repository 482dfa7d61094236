"""The ``wall_clock`` probe: training loss against wall-clock seconds as well as epochs.

"Mini-batch is faster and better" is a claim about time: an epoch of batch size 1 makes
N updates and costs N small steps, an epoch of the full batch makes one update. The
Keras history counts epochs only (and must: a resumed run reproduces it exactly, and
seconds never repeat), so this probe measures time itself. At initialisation and after
every epoch it

- adds the seconds since its previous call to a running clock (its own evaluation
  time is left out, so the clock is the training's: steps plus validation);
- evaluates the loss on the first :data:`~dlrecipes.reports.probes.PROBE_BATCH`
  training examples (the same examples every time, unlike the history's running mean).

Series (``series.json``, overlaid by ``compare`` with bands over seeds):
``training_seconds`` (cumulative, index 0 = initialisation) and ``probe_loss`` (the
loss at the same points); scalars ``training_seconds`` (the total; not the run's
``wall_time_s``, which includes loading and evaluation), ``seconds_per_epoch`` and
``probe_loss``; plot ``plots/loss_vs_wall_time.png`` (loss against seconds and epochs).

Reference: Bottou, "Large-scale machine learning with stochastic gradient descent",
COMPSTAT 2010; Goodfellow, Bengio & Courville (2016), section 8.1.3.
"""

from __future__ import annotations

import time

import numpy as np

from dlrecipes.reports.figures import plots_dir, pyplot, save
from dlrecipes.reports.probes import Measurement, _loss_function, read_series, series

#: The series names this probe writes.
TIME_SERIES, LOSS_SERIES = "training_seconds", "probe_loss"


def probe_loss(model, x, y, loss: str) -> float:
    """The mean loss of ``model`` on ``(x, y)`` (inference mode), in float64."""
    import keras

    predictions = model(keras.ops.convert_to_tensor(x), training=False)
    return float(keras.ops.convert_to_numpy(_loss_function(loss)(y, predictions)))


def wall_clock(stage, model, x, y, recipe, run_dir) -> Measurement:
    """The probe function (stages ``init`` and ``epoch``); see the module docstring."""
    arrived = time.perf_counter()
    previous = read_series(run_dir)
    if stage == "init" or TIME_SERIES not in previous:
        times, losses = [0.0], []
    else:
        entry = previous[TIME_SERIES]
        times = [*entry["values"], entry["values"][-1] + arrived - float(entry["clock"])]
        losses = list(previous.get(LOSS_SERIES, {}).get("values", []))
    losses.append(probe_loss(model, x, y, recipe.train.loss))
    _plot(times, losses, recipe, run_dir)
    epochs = len(times) - 1
    time_series = series(times, "epoch (0 = initialisation)", "training seconds", False)
    time_series["clock"] = time.perf_counter()  # when this call ended: the next one counts on
    return Measurement(
        series={
            TIME_SERIES: time_series,
            LOSS_SERIES: series(losses, "epoch (0 = initialisation)", "loss (probe batch)", True),
        },
        scalars={
            "training_seconds": times[-1],
            "seconds_per_epoch": times[-1] / epochs if epochs else 0.0,
            "probe_loss": losses[-1],
        },
    )


def _plot(times, losses, recipe, run_dir) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    label = f"batch size {recipe.train.batch_size}"
    axes[0].plot(np.arange(len(losses)), losses, marker="o", ms=3, label=label)
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel(f"{recipe.train.loss} (first training examples)")
    axes[1].plot(times, losses, marker="o", ms=3, label=label)
    axes[1].set_xlabel("wall-clock seconds of training")
    for axis in axes:
        axis.set_yscale("log")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(f"{recipe.name}: loss against epochs and against time")
    save(fig, plots_dir(run_dir) / "loss_vs_wall_time.png")
