"""RNN lecture experiments: vanishing gradients made visible, and text sampling.

- :func:`rnn_vs_lstm_vs_gru` trains a simple RNN, an LSTM and a GRU on the same
  data with the same seed and budget, and measures how much gradient reaches
  each time step. Backpropagation through time multiplies one Jacobian per
  step, ``dL/dh_t = dL/dh_T prod_{k=t+1..T} dh_k/dh_{k-1}``; for a simple RNN
  ``dh_k/dh_{k-1} = diag(1 - h_k^2) U``, whose norm is usually below 1, so the
  signal from step ``T`` dies out exponentially on its way back (Bengio,
  Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013). The LSTM's cell
  state (``dc_t/dc_{t-1} = f_t``, near 1) and the GRU's interpolation
  (``h_t = (1 - z) h_{t-1} + z h~_t``) keep it alive (Hochreiter & Schmidhuber
  1997; Cho et al. 2014). The measured quantity is ``||dL/dx_t||``, the
  gradient of the loss with respect to the input at step ``t``, averaged over
  a probe batch: on the adding problem the marked values sit at early steps,
  so a network that cannot move gradient back to them cannot learn the task.
- :func:`language_model` trains a character-level language model with the
  library's ``fit`` and then samples text at several temperatures.

Both use the same library pieces as a supervised run: ``dlrecipes.data.load``,
``dlrecipes.runner.build_model``, ``dlrecipes.training.compile_model`` / ``fit``.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

#: The cells :func:`rnn_vs_lstm_vs_gru` compares, in plotting order.
COMPARED_CELLS = ("simple_rnn", "lstm", "gru")
#: Temperatures :func:`language_model` samples at (low = safe and repetitive, high = inventive).
SAMPLE_TEMPERATURES = (0.5, 0.8, 1.0)
#: Characters generated per temperature.
SAMPLE_LENGTH = 400
#: Where a gradient that underflowed to exactly 0 is drawn on a log axis.
PLOT_FLOOR = 1e-30
#: Steps averaged as "early" (from the start) and "late" (before the end) in gradient ratios.
EDGE_STEPS = 10


# --------------------------------------------------------------------------- gradients


def input_gradient_norms(model: keras.Model, x, y, loss: str = "mse") -> np.ndarray:
    """``||dL/dx_t||`` for every time step ``t``, averaged over the batch.

    ``L = sum_b loss(y_b, model(x_b))`` (a sum, so each example's gradient is its
    own), and ``x`` is ``(batch, time, features)``: the result is ``(time,)``,
    the mean over the batch of the Euclidean norm over features. Under
    TensorFlow it uses ``tf.GradientTape``, under JAX ``jax.grad`` of the
    model's ``stateless_call``.

    Args:
        model: a model taking ``(batch, time, features)`` float inputs.
        x, y: a probe batch.
        loss: a ``keras.losses`` name whose function returns one value per example.
    """
    loss_fn = keras.losses.get(loss)
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if x.ndim != 3:
        raise ValueError(
            f"input_gradient_norms needs (batch, time, features) inputs. Received shape: {x.shape}"
        )
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x_tensor = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_tensor)
            objective = tf.reduce_sum(loss_fn(y, model(x_tensor, training=False)))
        gradient = np.asarray(tape.gradient(objective, x_tensor))
    elif backend == "jax":
        import jax

        trainable = [v.value for v in model.trainable_variables]
        non_trainable = [v.value for v in model.non_trainable_variables]

        def objective(inputs):
            outputs, _ = model.stateless_call(trainable, non_trainable, inputs, training=False)
            return loss_fn(y, outputs).sum()

        gradient = np.asarray(jax.grad(objective)(x))
    else:
        raise ValueError(
            "input_gradient_norms supports the tensorflow and jax backends. "
            f"Received: backend={backend!r}"
        )
    return np.linalg.norm(gradient, axis=-1).mean(axis=0)  # (time,)


def edge_ratio(norms: np.ndarray, edge: int = EDGE_STEPS) -> float:
    """Mean gradient norm over the first ``edge`` steps / over the last ``edge`` steps.

    Near 1: the gradient reaches the start of the sequence. Orders of magnitude
    below 1: it vanished on the way back.
    """
    edge = max(1, min(edge, len(norms) // 2))
    late = float(np.mean(norms[-edge:]))
    return float(np.mean(norms[:edge])) / late if late > 0 else float("nan")


class GradientProbe(keras.callbacks.Callback):
    """Records :func:`input_gradient_norms` on a fixed probe batch after every epoch."""

    def __init__(self, x, y, loss: str = "mse"):
        super().__init__()
        self.x, self.y, self.loss = x, y, loss
        self.norms: list[np.ndarray] = []  # one (time,) array per epoch

    def on_epoch_end(self, epoch, logs=None):
        self.norms.append(input_gradient_norms(self.model, self.x, self.y, self.loss))


# --------------------------------------------------------------------------- comparison


def _floored(curves: dict) -> dict:
    """Curves with exact zeros (float32 underflow) raised to :data:`PLOT_FLOOR` for log axes."""
    return {
        name: np.maximum(np.asarray(v, dtype="float64"), PLOT_FLOOR) for name, v in curves.items()
    }


def _plot_profiles(profiles: dict, path: Path, title: str) -> None:
    from dlrecipes import plots

    plots.overlay(
        _floored(profiles),
        path,
        xlabel="time step t",
        ylabel="mean ||dL/dx_t|| (0 drawn at 1e-30)",
        title=title,
        log_y=True,
    )


def rnn_vs_lstm_vs_gru(recipe, run_dir: Path) -> dict[str, float]:
    """Train ``simple_rnn``, ``lstm`` and ``gru`` with the same seed, data and budget.

    The recipe's ``model.options`` are shared; ``cell`` is replaced per arm.
    Writes, under ``run_dir``: ``<cell>/model.keras`` and ``<cell>/history.csv``;
    ``plots/loss_curves.png`` (validation loss per epoch, log scale, with the
    predict-the-mean baseline), ``plots/early_gradient_norm.png`` (mean
    ``||dL/dx_t||`` over the first steps, per epoch) and
    ``plots/gradient_norms_init.png`` / ``gradient_norms_trained.png``
    (``||dL/dx_t||`` against ``t``).

    Returns:
        Flat metrics: ``<cell>_mse`` (test), ``<cell>_val_mse``,
        ``<cell>_early_late_gradient_ratio_{init,trained}``, ``<cell>_steps_per_second``,
        ``baseline_mse`` (predicting the training mean on the test split) and
        ``worst_gated_mse`` = max(lstm, gru).
    """
    from dlrecipes import data as data_sources
    from dlrecipes import plots
    from dlrecipes.recipe import with_overrides
    from dlrecipes.runner import build_model
    from dlrecipes.training import compile_model, fit, set_seed

    run_dir = Path(run_dir)
    (run_dir / "plots").mkdir(exist_ok=True)
    splits = data_sources.load(recipe.data, seed=recipe.seed)
    print(f"[{recipe.name}] {splits.summary()}", flush=True)
    if splits.task != "regression" or len(splits.input_shape) != 2:
        raise ValueError(
            "rnn_vs_lstm_vs_gru needs a (time, features) regression source such as 'adding'. "
            f"Received: {splits.source!r} ({splits.task}, input {splits.input_shape})"
        )
    probe = min(256, len(splits.x_test))
    x_probe, y_probe = splits.x_test[:probe], splits.y_test[:probe]
    train_mean = np.mean(splits.y_train, axis=0)
    metrics: dict[str, float] = {
        "baseline_mse": float(np.mean((splits.y_test - train_mean) ** 2)),
    }
    val_curves, early_curves, init_profiles, trained_profiles = {}, {}, {}, {}
    for cell in COMPARED_CELLS:
        arm = with_overrides(recipe, {"model.options.cell": cell})
        set_seed(recipe.seed, arm.train.jit_compile)
        model = build_model(arm, splits)
        compile_model(model, arm.train, len(splits.x_train))
        init = input_gradient_norms(model, x_probe, y_probe, arm.train.loss)
        gradient_probe = GradientProbe(x_probe, y_probe, arm.train.loss)
        print(f"[{recipe.name}] training cell={cell}", flush=True)
        (run_dir / cell).mkdir(exist_ok=True)
        result = fit(model, splits, arm.train, run_dir / cell, callbacks=[gradient_probe])
        test = model.evaluate(
            splits.x_test, splits.y_test, batch_size=256, verbose=0, return_dict=True
        )["loss"]
        model.save(run_dir / cell / "model.keras")
        trained = gradient_probe.norms[-1]
        metrics[f"{cell}_mse"] = float(test)
        metrics[f"{cell}_val_mse"] = float(result.history.get("val_loss", [np.nan])[-1])
        metrics[f"{cell}_early_late_gradient_ratio_init"] = edge_ratio(init)
        metrics[f"{cell}_early_late_gradient_ratio_trained"] = edge_ratio(trained)
        metrics[f"{cell}_steps_per_second"] = round(result.steps_per_second, 2)
        metrics[f"{cell}_parameters"] = int(model.count_params())
        val_curves[cell] = result.history.get("val_loss") or result.history["loss"]
        edge = max(1, min(EDGE_STEPS, len(init) // 2))
        early_curves[cell] = [
            float(np.mean(norms[:edge])) for norms in [init, *gradient_probe.norms]
        ]
        init_profiles[cell], trained_profiles[cell] = init, trained
        print(f"[{recipe.name}] {cell}: test mse {test:.4f}", flush=True)
    metrics["worst_gated_mse"] = max(metrics["lstm_mse"], metrics["gru_mse"])
    epochs = max(len(v) for v in val_curves.values())
    baseline = {
        f"predict the mean ({metrics['baseline_mse']:.3f})": [metrics["baseline_mse"]] * epochs
    }
    plots.overlay(
        {**val_curves, **baseline},
        run_dir / "plots" / "loss_curves.png",
        ylabel="validation MSE",
        title=f"{recipe.name}: {splits.source}",
        log_y=True,
    )
    plots.overlay(
        _floored(early_curves),
        run_dir / "plots" / "early_gradient_norm.png",
        xlabel="epoch + 1 (1 = initialisation)",
        ylabel=f"mean ||dL/dx_t||, t <= {EDGE_STEPS} (0 drawn at 1e-30)",
        title="gradient reaching the first time steps",
        log_y=True,
    )
    _plot_profiles(
        init_profiles, run_dir / "plots" / "gradient_norms_init.png", "at initialisation"
    )
    _plot_profiles(
        trained_profiles, run_dir / "plots" / "gradient_norms_trained.png", "after training"
    )
    np.savez(
        run_dir / "gradient_norms.npz",
        **{f"{cell}_init": init_profiles[cell] for cell in COMPARED_CELLS},
        **{f"{cell}_trained": trained_profiles[cell] for cell in COMPARED_CELLS},
    )
    return metrics


# --------------------------------------------------------------------------- language model


def decode(ids, vocabulary: str) -> str:
    """Character ids -> text."""
    return "".join(vocabulary[int(i)] for i in ids)


def _chain_layers(model: keras.Model) -> list:
    """The layers of a chain model in order, nested models flattened, inputs left out."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            layers += _chain_layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            layers.append(layer)
    return layers


def stepping_model(model: keras.Model) -> tuple[keras.Model, list[int]]:
    """The same network, run step by step: it takes and returns the recurrent states.

    Training reads fixed windows from a zero state; generating text should
    instead carry ``h_t`` (and ``c_t``) from one character to the next, so the
    network remembers everything it has written, at one step of work per
    character. This builds ``(ids (batch, n), *states) -> (probabilities
    (batch, n, V), *new states)``: the embedding and output layers are the
    trained ones (shared), each recurrent layer is a copy configured with
    ``return_state=True`` holding the trained weights.

    Args:
        model: a chain ``ids -> ... -> probabilities``, e.g. :func:`char_language_model`.

    Returns:
        The stepping model and the size of each state input, in order.
    """
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
    model: keras.Model,
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


def samples(model, splits, recipe, run_dir: Path) -> dict[str, float]:
    """Report: text sampled at :data:`SAMPLE_TEMPERATURES` after training, in ``samples.txt``.

    Follows the report contract ``(model, splits, recipe, run_dir) -> dict`` of
    :mod:`dlrecipes.reports`. The prompt is the first held-out test window;
    :data:`SAMPLE_LENGTH` characters are generated per temperature and printed.

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


def baseline(model, splits, recipe, run_dir: Path) -> dict[str, float]:
    """Report: test MSE of predicting the training targets' mean, beside the model's.

    On the adding problem this is Var(u1 + u2) = 1/6 = 0.167: a model below it
    has learned something; one at it has learned only the mean. Follows the
    report contract of :mod:`dlrecipes.reports`.
    """
    if splits.task != "regression":
        raise ValueError(f"the baseline report needs a regression task. Received: {splits.task!r}")
    mean = np.mean(splits.y_train, axis=0)
    predictions = np.asarray(model.predict(splits.x_test, batch_size=256, verbose=0))
    return {
        "predict_mean_mse": float(np.mean((splits.y_test - mean) ** 2)),
        "model_mse": float(np.mean((splits.y_test.reshape(predictions.shape) - predictions) ** 2)),
    }


def language_model(recipe, run_dir: Path) -> dict[str, float]:
    """Train a character language model, evaluate it, and sample text at several temperatures.

    The training is the library's (``build_model``, ``compile_model``, ``fit``);
    afterwards the model is saved as ``model.keras``, the learning curves as
    ``plots/learning_curves.png`` and the :func:`samples` report writes
    ``samples.txt``.

    Returns:
        ``val_loss`` and ``test_loss`` in nats per character, ``val_bits_per_char``,
        ``val_perplexity``, ``val_accuracy``, ``test_accuracy``, throughput.
    """
    from dlrecipes import data as data_sources
    from dlrecipes import plots
    from dlrecipes.runner import build_model, parameter_counts
    from dlrecipes.training import compile_model, fit

    run_dir = Path(run_dir)
    (run_dir / "plots").mkdir(exist_ok=True)
    splits = data_sources.load(recipe.data, seed=recipe.seed)
    vocabulary = splits.extras.get("vocabulary")
    if vocabulary is None or len(splits.input_shape) != 1:
        raise ValueError(
            "language_model needs a character source ('text:PATH' or 'stdlib_text'). "
            f"Received: {splits.source!r} with input {splits.input_shape}"
        )
    print(f"[{recipe.name}] {splits.summary()}", flush=True)
    model = build_model(recipe, splits)
    compile_model(model, recipe.train, len(splits.x_train))
    result = fit(model, splits, recipe.train, run_dir)
    model.save(run_dir / "model.keras")
    plots.learning_curves(result.history, run_dir / "plots" / "learning_curves.png", recipe.name)

    def evaluate(x, y):
        values = model.evaluate(
            x, y, batch_size=recipe.train.batch_size, verbose=0, return_dict=True
        )
        return float(values["loss"]), float(values.get("accuracy", np.nan))

    val_loss, val_accuracy = evaluate(splits.x_val, splits.y_val)
    test_loss, test_accuracy = evaluate(splits.x_test, splits.y_test)
    samples(model, splits, recipe, run_dir)
    return {
        "val_loss": val_loss,
        "val_bits_per_char": val_loss / np.log(2.0),
        "val_perplexity": float(np.exp(val_loss)),
        "val_accuracy": val_accuracy,
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "vocabulary_size": len(vocabulary),
        "train_windows": len(splits.x_train),
        "epochs_run": result.epochs_run,
        "steps": result.steps,
        "fit_time_s": round(result.fit_seconds, 3),
        "steps_per_second": round(result.steps_per_second, 2),
        "parameters": parameter_counts(model)["trainable"],
    }
