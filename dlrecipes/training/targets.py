"""Targets in the form a loss expects: class ids, or one-hot vectors.

Keras' sparse losses (``sparse_categorical_crossentropy``) take class ids; the
lecture's square error on a softmax output (``mse``), ``categorical_crossentropy``
the multi-class hinge of Crammer & Singer (``categorical_hinge``), the Kullback-Leibler
divergence (``kl_divergence``) and the cosine similarity compare the output with a
one-hot vector ``t`` (``t_k = 1`` for the correct class). The data
pipeline always yields class ids; :func:`targets_for_loss` converts them when the
loss needs it, so ``--set train.loss=mse`` works on any classification recipe.
Accuracy stays the argmax accuracy (Keras' ``accuracy`` adapts to one-hot targets).
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Losses that compare the output with a one-hot target vector.
ONE_HOT_LOSSES = (
    "mse",
    "mean_squared_error",
    "categorical_crossentropy",
    "categorical_hinge",
    "hinge",
    "squared_hinge",
    "mae",
    "mean_absolute_error",
    # KL(t || p) = sum_k t_k log(t_k / p_k): with a one-hot t it equals the cross-entropy
    "kl_divergence",
    "kld",
    # -cos(t, p): the lectures' cosine similarity as a loss (Keras negates it to minimise)
    "cosine_similarity",
)


def needs_one_hot(loss: str, splits) -> bool:
    """Whether ``loss`` on a multi-class classification task takes one-hot targets."""
    return (
        loss in ONE_HOT_LOSSES
        and splits.task == "classification"
        and (splits.num_classes or 0) > 2
        and np.asarray(splits.y_train).ndim == 1
    )


def targets_for_loss(splits, loss: str):
    """``splits`` with one-hot ``y_*`` (float32, ``(N, num_classes)``) when ``loss`` needs
    them (:func:`needs_one_hot`); otherwise ``splits`` unchanged."""
    if not needs_one_hot(loss, splits):
        return splits
    eye = np.eye(splits.num_classes, dtype="float32")
    return dataclasses.replace(
        splits,
        y_train=eye[splits.y_train],
        y_val=eye[splits.y_val],
        y_test=eye[splits.y_test],
    )
