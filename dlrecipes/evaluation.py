"""Evaluation of a trained model: metrics of every split, the classification report,
the generalisation gap, and the verdict of a recipe's expectation.

Used by the orchestrator (``run``, ``evaluate``, ``compare``) and by the
experiments, so a number means the same thing wherever it is printed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlrecipes.spec import RecipeError

SPLITS = ("train", "val", "test")


def predicted_classes(outputs, loss: str):
    """Class predictions from model outputs: argmin for RBF distances, threshold for sigmoid."""
    outputs = np.asarray(outputs)
    if loss == "rbf_map":
        return outputs.argmin(axis=-1)
    if outputs.ndim == 1 or outputs.shape[-1] == 1:
        return (outputs.reshape(-1) > 0.5).astype("int32")
    return outputs.argmax(axis=-1)


def class_labels(y) -> np.ndarray:
    """Integer labels from integer or one-hot targets."""
    array = np.asarray(y)
    return array.argmax(axis=-1) if array.ndim == 2 and array.shape[-1] > 1 else y


def classification_report(y_true, y_pred, class_names) -> dict[str, Any]:
    """Accuracy, per-class precision / recall / F1, their unweighted mean over classes
    (``macro_f1``) and the confusion matrix (rows: true class, columns: predicted)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(range(len(class_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
        "per_class": {
            name: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for name, p, r, f, s in zip(class_names, precision, recall, f1, support)
        },
        "macro_f1": round(float(np.mean(f1)), 4) if len(f1) else 0.0,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


class NonFiniteMetricError(RecipeError):
    """A metric of a split came out NaN or infinite: there is no result to record.

    JSON has no NaN, and a NaN test accuracy is not a result: the run fails with this
    one-line error instead of writing ``metrics.json``.
    """


def split_metrics(model, splits, split: str) -> dict[str, float]:
    """``model.evaluate`` on one split (inference mode: no dropout, no augmentation).

    Raises:
        NonFiniteMetricError: a metric is NaN or infinite (named, with the split's largest
            input, the usual cause once the data is known to be finite).
    """
    x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
    metrics = model.evaluate(x, y, batch_size=256, verbose=0, return_dict=True)
    metrics = {k: float(v) for k, v in metrics.items()}
    bad = {k: v for k, v in metrics.items() if not math.isfinite(v)}
    if bad:
        name, value = next(iter(bad.items()))
        array = np.asarray(x)
        largest = (
            f"; its inputs reach |x| = {float(np.abs(array).max()):.3g}"
            if array.dtype.kind == "f" and array.size and np.isfinite(array).all()
            else ""
        )
        raise NonFiniteMetricError(
            f"the {split} {name} is {value} after training: the model's outputs are not finite "
            f"on the {split} split ({len(array)} examples{largest}); expected finite metrics "
            "(scale the inputs: data.scale = 'unit' or data.standardize = true)"
        )
    return metrics


def evaluate_model(model, splits, recipe, split: str = "test") -> dict[str, Any]:
    """Metrics of one split, plus a classification report for classifiers of one label per
    example (a language model's per-step predictions get none).

    Returns:
        ``{"metrics": {name: value}, "report": classification report or None}``.
    """
    metrics = split_metrics(model, splits, split)
    report = None
    one_label_per_example = len(model.output_shape) <= 2  # (batch, classes) or (batch,)
    if splits.task == "classification" and one_label_per_example:
        x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
        outputs = model.predict(x, batch_size=256, verbose=0)
        report = classification_report(
            class_labels(y), predicted_classes(outputs, recipe.train.loss), splits.class_names
        )
    return {"metrics": metrics, "report": report}


def generalisation_gap(
    metrics: dict[str, dict[str, float]], headline: str = "accuracy"
) -> dict[str, float]:
    """``gap`` = train - validation ``headline`` metric, ``loss_gap`` = validation - training
    loss (the loss includes any L1 / L2 penalty)."""
    train, val = metrics.get("train", {}), metrics.get("val", {})
    out = {}
    if headline in train and headline in val:
        out["gap"] = train[headline] - val[headline]
    if "loss" in train and "loss" in val:
        out["loss_gap"] = val["loss"] - train["loss"]
    return out


def all_splits(model, splits, names=SPLITS) -> dict[str, dict[str, float]]:
    """Metrics of every non-empty split: ``{"train": {...}, "val": {...}, "test": {...}}``."""
    return {
        name: split_metrics(model, splits, name)
        for name in names
        if len(getattr(splits, f"x_{name}")) > 0
    }


def expectation(recipe, metrics: dict[str, dict[str, float]], applies: bool = True) -> dict:
    """The verdict of ``recipe.expect`` on the metrics of its split.

    Args:
        recipe: the resolved recipe.
        metrics: metrics by split (``{"test": {...}, "val": {...}}``).
        applies: whether the expectation judges this run (see
            :attr:`dlrecipes.spec.Resolved.expectation_applies`).
    """
    expect = recipe.expect
    value = (metrics.get(expect.split) or {}).get(expect.metric)
    return {
        "applies": applies,
        "metric": expect.metric,
        "split": expect.split,
        "threshold": expect.threshold,
        "higher_is_better": expect.higher_is_better,
        "data": expect.data,
        "budget": expect.budget,
        "value": value,
        "reached": None if value is None or not applies else bool(expect.reached(value)),
    }
