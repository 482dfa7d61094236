"""Architecture reports: the deep-versus-wide comparison beside the paper's numbers.

Seide, Li & Yu (2011) trained speech recognisers with ``L`` hidden layers of
``N`` units and with a single hidden layer holding as many parameters as a deep
one; at equal parameter count the deep networks won. The ``deep_vs_wide``
report labels a trained ``matched_mlp`` arm with its shape and puts the paper's
word error rate for the same shape beside its test error, so ``python -m recipes
compare deep_vs_wide`` shows both columns.

Reference: F. Seide, G. Li and D. Yu, "Conversational speech transcription using
context-dependent deep neural networks", Interspeech 2011, Table 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.reports.model_parts import base_model

#: Seide, Li & Yu (2011), Table 2: word error rate (%) on Hub5'00-SWB of CD-DNN-HMMs
#: with L hidden layers of N units, and of single-layer networks with the parameter
#: count of 5x2k (1x3772) and 7x2k (1x4634), and one layer of 16k units (8 x 2k).
#: Keyed by (num_layers, match_layers); the 1x16k arm by (1, 0, 8) with its width_multiple.
SEIDE_2011_WER = {
    (1, 0): ("1x2k", 24.2),
    (2, 0): ("2x2k", 20.4),
    (3, 0): ("3x2k", 18.4),
    (4, 0): ("4x2k", 17.8),
    (5, 0): ("5x2k", 17.2),
    (7, 0): ("7x2k", 17.1),
    (1, 5): ("1x3772", 22.5),
    (1, 7): ("1x4634", 22.6),
    (1, 0, 8): ("1x16k", 22.1),
}


def deep_vs_wide(model, splits, recipe, run_dir: Path) -> dict[str, Any]:
    """Report ``deep_vs_wide``: the arm's shape and test error beside Seide et al.'s WER.

    Reads ``model.options`` of a ``matched_mlp`` recipe (``num_layers``, ``units``,
    ``match_layers``) and the builder's ``hidden_<l>`` layers.

    Returns:
        ``architecture`` (e.g. ``"3x128"`` or ``"1x457 (=5x128)"``), ``hidden_layers``,
        ``test_error_percent`` (100 x (1 - argmax accuracy on the test split)),
        ``paper_architecture`` and ``paper_wer_percent`` (``""`` and NaN for a shape
        the paper did not train).
    """
    options = recipe.model.options
    hidden = [layer.units for layer in base_model(model).layers if layer.name.startswith("hidden_")]
    num_layers, match = int(options.get("num_layers", 1)), int(options.get("match_layers", 0))
    units = options.get("units", 128)
    label = f"{len(hidden)}x{hidden[0]}" + (f" (={match}x{units})" if match else "")
    multiple = 1 if match else int(options.get("width_multiple", 1))
    key = (1 if match else num_layers, match) + ((multiple,) if multiple > 1 else ())
    paper_label, paper_wer = SEIDE_2011_WER.get(key, ("", float("nan")))
    outputs = model.predict(splits.x_test, batch_size=256, verbose=0)
    accuracy = float(np.mean(outputs.argmax(axis=-1) == np.asarray(splits.y_test).reshape(-1)))
    return {
        "architecture": label,
        "hidden_layers": len(hidden),
        "test_error_percent": 100.0 * (1.0 - accuracy),
        "paper_architecture": paper_label,
        "paper_wer_percent": paper_wer,
    }
