"""Text reports: characters sampled from a trained character-level language model.

A character language model reads ids ``(batch, T)`` and returns, at every step,
the distribution of the next character ``(batch, T, V)``. Generating text
feeds each drawn character back in (:func:`sample_characters`), carrying the
recurrent state from one character to the next (:func:`stepping_model`).

The ``samples`` report (:func:`samples`) writes ``samples.txt``: a held-out prompt
and :data:`SAMPLE_LENGTH` characters at each of :data:`SAMPLE_TEMPERATURES`.

Reference: A. Karpathy, "The unreasonable effectiveness of recurrent neural
networks", 2015 (char-rnn); A. Graves, "Generating sequences with recurrent
neural networks", arXiv:1308.0850, 2013.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Keras is imported inside the functions: the report registry imports nothing
# heavy, so a recipe check does not import Keras.

#: Temperatures the ``samples`` report draws at (low = safe and repetitive, high = inventive).
SAMPLE_TEMPERATURES = (0.5, 0.8, 1.0)
#: Characters generated per temperature.
SAMPLE_LENGTH = 400


def decode(ids, vocabulary: str) -> str:
    """Character ids -> text."""
    return "".join(vocabulary[int(i)] for i in ids)


def _chain_layers(model) -> list:
    """The layers of a chain model in order, nested models flattened, inputs left out."""
    import keras

    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            layers += _chain_layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            layers.append(layer)
    return layers


def stepping_model(model):
    """The same network, run step by step: it takes and returns the recurrent states.

    Training reads fixed windows from a zero state; generating text should
    instead carry ``h_t`` (and ``c_t``) from one character to the next, so the
    network remembers everything it has written, at one step of work per
    character. This builds ``(ids (batch, n), *states) -> (probabilities
    (batch, n, V), *new states)``: the embedding and output layers are the
    trained ones (shared), each recurrent layer is a copy configured with
    ``return_state=True`` holding the trained weights.

    Args:
        model: a chain ``ids -> ... -> probabilities``, e.g.
            :func:`dlrecipes.models.rnn.char_language_model` (wrapped or not).

    Returns:
        ``(stepping model, [size of each state input, in order])``.
    """
    import keras

    ids = keras.Input((None,), dtype="int32", name="ids")
    x, state_inputs, state_outputs, sizes = ids, [], [], []
    for layer in _chain_layers(model):
        if not isinstance(layer, keras.layers.RNN):
            x = layer(x)
            continue
        config = {**layer.get_config(), "return_sequences": True, "return_state": True}
        config["name"] = f"{layer.name}_stepping"
        clone = layer.__class__.from_config(config)
        state_size = layer.cell.state_size
        layer_sizes = list(state_size) if isinstance(state_size, (list, tuple)) else [state_size]
        states = [
            keras.Input((size,), name=f"{layer.name}_state_{i}")
            for i, size in enumerate(layer_sizes)
        ]
        outputs = clone(x, initial_state=states if len(states) > 1 else states[0])
        clone.set_weights(layer.get_weights())
        x = outputs[0]
        state_inputs += states
        state_outputs += list(outputs[1:])
        sizes += layer_sizes
    stepping = keras.Model([ids, *state_inputs], [x, *state_outputs], name="stepping")
    return stepping, sizes


def sample_characters(
    model,
    prompt_ids,
    length: int,
    temperatures=SAMPLE_TEMPERATURES,
    seed: int = 0,
) -> np.ndarray:
    """Generate ``length`` characters after a prompt, one row per temperature.

    The network reads the prompt from a zero state, then feeds each drawn
    character back in, carrying its recurrent state (:func:`stepping_model`).
    The next id is drawn from ``p^(1/tau) / sum p^(1/tau)`` (temperature
    ``tau``: below 1 sharpens towards the most likely character, above 1
    flattens; ``tau = 0`` is greedy). All temperatures run as one batch.

    Args:
        model: ``(batch, T) ids -> (batch, T, V)`` probabilities.
        prompt_ids: at least one id of context.
        length: characters to generate.
        temperatures: one row of output per temperature.
        seed: NumPy seed of the draws.

    Returns:
        ``(len(temperatures), length)`` int ids.
    """
    prompt = np.asarray(prompt_ids, dtype="int32").reshape(-1)
    if len(prompt) < 1:
        raise ValueError("the prompt must hold at least one id. Received: 0 ids")
    temperatures = np.asarray(temperatures, dtype="float64")
    if np.any(temperatures < 0):
        raise ValueError(f"temperatures must be >= 0. Received: {temperatures.tolist()}")
    stepping, sizes = stepping_model(model)
    rng = np.random.default_rng(seed)
    count = len(temperatures)
    states = [np.zeros((count, size), dtype="float32") for size in sizes]
    inputs = np.tile(prompt, (count, 1))  # (K, len(prompt)), then (K, 1)
    generated = np.zeros((count, length), dtype="int32")
    for step in range(length):
        outputs = stepping.predict_on_batch([inputs, *states])
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        probabilities, states = (
            np.asarray(outputs[0])[:, -1, :],
            [np.asarray(s) for s in outputs[1:]],
        )
        log_p = np.log(np.maximum(probabilities.astype("float64"), 1e-30))  # (K, V)
        for row, tau in enumerate(temperatures):
            if tau == 0:
                generated[row, step] = int(np.argmax(log_p[row]))
                continue
            logits = log_p[row] / tau
            p = np.exp(logits - logits.max())
            generated[row, step] = rng.choice(len(p), p=p / p.sum())
        inputs = generated[:, step : step + 1]
    return generated


def samples(model, splits, recipe, run_dir: Path) -> dict[str, int]:
    """Report: text sampled at :data:`SAMPLE_TEMPERATURES` after training, in ``samples.txt``.

    Follows the report contract ``(model, splits, recipe, run_dir) -> dict`` of
    :mod:`dlrecipes.reports`; a recipe asks for it with ``reports=("samples",)``.
    The prompt is the first held-out test window (the first training window when
    there is no test split); :data:`SAMPLE_LENGTH` characters are generated per
    temperature, drawn with the recipe's seed, and printed.

    Returns:
        ``{"characters": ..., "temperatures": ...}`` (counts for ``metrics.json``).
    """
    vocabulary = splits.extras.get("vocabulary")
    if vocabulary is None:
        raise ValueError(
            "the samples report needs a character source ('text:PATH' or 'stdlib_text'). "
            f"Received: {splits.source!r}"
        )
    prompt = splits.x_test[0] if len(splits.x_test) else splits.x_train[0]
    generated = sample_characters(model, prompt, SAMPLE_LENGTH, SAMPLE_TEMPERATURES, recipe.seed)
    sections = [f"prompt (held-out text):\n{decode(prompt, vocabulary)}\n"]
    for tau, ids in zip(SAMPLE_TEMPERATURES, generated):
        sections.append(f"--- temperature {tau} ---\n{decode(ids, vocabulary)}\n")
    (Path(run_dir) / "samples.txt").write_text("\n".join(sections))
    print("\n".join(sections[1:]), flush=True)
    return {"characters": SAMPLE_LENGTH, "temperatures": len(SAMPLE_TEMPERATURES)}


def language_model(model, splits, recipe, run_dir: Path) -> dict[str, float]:
    """Report: the validation loss of a character model in the units the lecture uses.

    The loss is the cross-entropy in nats per character; in bits it is
    ``loss / ln 2``, and the perplexity ``exp(loss)`` is the number of equally likely
    characters the model is as unsure as (a uniform guess over ``V`` characters has
    perplexity ``V``). Measured like the run's own evaluation (inference mode,
    batches of 256), so ``val_loss`` equals ``evaluation.val.loss`` of ``metrics.json``.

    Returns:
        ``val_loss``, ``val_bits_per_char``, ``val_perplexity``, ``vocabulary_size``,
        ``train_windows``.
    """
    vocabulary = splits.extras.get("vocabulary")
    if vocabulary is None or len(splits.x_val) == 0:
        raise ValueError(
            "the language_model report needs a character source with a validation split. "
            f"Received: {splits.source!r} with {len(splits.x_val)} validation windows"
        )
    values = model.evaluate(splits.x_val, splits.y_val, batch_size=256, verbose=0, return_dict=True)
    loss = float(values["loss"])
    return {
        "val_loss": loss,
        "val_bits_per_char": loss / float(np.log(2.0)),
        "val_perplexity": float(np.exp(loss)),
        "vocabulary_size": len(vocabulary),
        "train_windows": len(splits.x_train),
    }
