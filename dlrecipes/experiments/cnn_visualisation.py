"""What a convnet responds to, no weights downloaded: activation maximisation, dreams, texture.

Three gradient-ascent (or descent) procedures *on the input image*, with the
network's weights fixed:

- **activation maximisation** (Erhan et al. 2009; Simonyan et al. 2014): start
  from noise and follow ``d score / d x`` where the score is the centre unit
  of one feature map (LeNet-5's C1 / C3 maps, the digits convnet's conv maps)
  or one class's score (log-probability; for LeNet-5's RBF output
  the negative penalty). Each step is normalised (``x += lr g / std(g)``) and
  the image is clipped to the range of real standardised inputs.
- **dreaming** (Mordvintsev et al. 2015, "DeepDream"): start from a real digit
  and ascend ``mean(a_l(x)^2)`` of one layer, amplifying whatever it already sees.
- **texture synthesis with random filters** (Gatys et al. 2015; Ustyuzhaninov
  et al. 2016): describe an image by the Gram matrices ``G = F^T F / P`` of the
  ReLU responses ``F`` (positions x filters) of one layer of *random*
  convolution filters at several sizes, and descend ``sum_s ||G_s(x) - G_s(t)||^2
  / ||G_s(t)||^2`` from noise with Adam. Ustyuzhaninov et al. showed that such
  random shallow filters already give good textures.

What a pretrained ImageNet network would add: its filters respond to natural
image structure (edges, textures, object parts across 1,000 classes), so
maximised inputs and dreams would show recognisable parts (eyes, fur, wheels)
instead of strokes, and Gatys et al.'s style transfer would use VGG's Gram
matrices at several depths. Here the networks were trained on digits only, so
what they respond to is strokes and digit shapes; no weights are downloaded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def value_and_gradient(objective: Callable, x: np.ndarray) -> tuple[float, np.ndarray]:
    """``objective(x)`` (a scalar tensor of a Keras tensor ``x``) and its gradient w.r.t. ``x``.

    TensorFlow ``GradientTape`` or ``jax.value_and_grad``; float32.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        inputs = tf.constant(x, dtype="float32")
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            value = objective(inputs)
        return float(value), np.asarray(tape.gradient(value, inputs))
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        value, grad = jax.value_and_grad(objective)(jnp.asarray(x, dtype="float32"))
        return float(value), np.asarray(grad)
    raise NotImplementedError(
        f"value_and_gradient supports tensorflow and jax. Received: {backend!r}"
    )


def ascend(
    objective: Callable,
    x: np.ndarray,
    steps: int,
    learning_rate: float,
    low: float,
    high: float,
) -> tuple[np.ndarray, list[float]]:
    """Normalised gradient ascent on a batch of images, clipped to ``[low, high]``.

    ``x <- clip(x + learning_rate * g / std(g), low, high)`` with ``std`` taken per
    example, so every image moves at the same pace whatever its gradient's scale.

    Returns:
        The final images and the objective at every step.
    """
    x = np.array(x, dtype="float32")
    values = []
    for _ in range(steps):
        value, grad = value_and_gradient(objective, x)
        values.append(value)
        scale = grad.reshape(len(grad), -1).std(axis=1).reshape(-1, *[1] * (grad.ndim - 1))
        x = np.clip(x + learning_rate * grad / (scale + 1e-8), low, high)
    return x, values


def centre_unit(activations):
    """The unit at the centre of each map: ``(n, h, w, K) -> (n, K)``."""
    return activations[:, activations.shape[1] // 2, activations.shape[2] // 2, :]


def map_objective(layer_model, maps: np.ndarray) -> Callable:
    """Sum over the batch of the centre unit of map ``maps[i]`` for image ``i``.

    One unit, not the map's mean: the mean of a map is maximised by a uniform
    image (a filter with a positive sum everywhere at once), while one unit
    shows the pattern its receptive field prefers (5x5 pixels for C1, 14x14 for C3).
    """
    from keras import ops

    def objective(x):
        units = centre_unit(layer_model(x, training=False))  # (n, K)
        return ops.sum(units * ops.one_hot(maps, units.shape[-1]))

    return objective


def class_objective(model, classes: np.ndarray, rbf: bool) -> Callable:
    """Sum over the batch of image ``i``'s score for class ``classes[i]``.

    The score is ``log p(c | x)`` for a softmax output and ``-penalty_c(x)`` for
    LeNet-5's RBF output (squared distance to the class prototype).
    """
    from keras import ops

    def objective(x):
        outputs = model(x, training=False)  # (n, classes)
        scores = -outputs if rbf else ops.log(outputs + 1e-7)
        return ops.sum(scores * ops.one_hot(classes, outputs.shape[-1]))

    return objective


def dream_objective(layer_model) -> Callable:
    """``sum_i mean(a(x_i)^2)``: DeepDream's amplification of a layer's activations."""
    from keras import ops

    def objective(x):
        activations = layer_model(x, training=False)
        return ops.sum(ops.mean(ops.square(activations), axis=(1, 2, 3)))

    return objective


# ----------------------------------------------------------------------------- texture


def random_filter_bank(sizes=(3, 5, 7, 11), filters: int = 32, seed: int = 0) -> list[np.ndarray]:
    """One random zero-mean kernel ``(k, k, 1, filters)`` per size, unit norm per filter."""
    rng = np.random.default_rng(seed)
    bank = []
    for size in sizes:
        kernel = rng.normal(size=(size, size, 1, filters))
        kernel -= kernel.mean(axis=(0, 1), keepdims=True)
        kernel /= np.linalg.norm(kernel.reshape(-1, filters), axis=0)
        bank.append(kernel.astype("float32"))
    return bank


def gram_matrices(x, bank):
    """``[F_s^T F_s / P_s]`` of the ReLU responses ``F_s`` (positions x filters) per size ``s``."""
    from keras import ops

    grams = []
    for kernel in bank:
        features = ops.relu(ops.conv(x, kernel, padding="valid"))  # (n, h', w', filters)
        n, h, w, c = features.shape
        flat = ops.reshape(features, (n, h * w, c))
        grams.append(ops.matmul(ops.transpose(flat, (0, 2, 1)), flat) / (h * w))  # (n, c, c)
    return grams


def texture_loss(x, target_grams, bank):
    """``sum_s ||G_s(x) - G_s(t)||^2 / ||G_s(t)||^2`` (summed over the batch)."""
    from keras import ops

    total = 0.0
    for gram, target in zip(gram_matrices(x, bank), target_grams, strict=True):
        total = total + ops.sum(ops.square(gram - target)) / float(np.sum(np.square(target)))
    return total


def synthesise_texture(
    target: np.ndarray, bank, steps: int, learning_rate: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, list[float]]:
    """Descend :func:`texture_loss` from noise with Adam (written out: ``m``, ``v``, bias fix).

    Args:
        target: ``(h, w)`` grey image, standardised.
        bank: :func:`random_filter_bank`.
        steps: Adam steps.

    Returns:
        The synthesised ``(h, w)`` image and the loss at every step.
    """
    from keras import ops

    target_grams = [
        np.asarray(g)
        for g in gram_matrices(
            ops.convert_to_tensor(target[None, :, :, None].astype("float32")), bank
        )
    ]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, *target.shape, 1)).astype("float32")
    m, v = np.zeros_like(x), np.zeros_like(x)
    beta_1, beta_2 = 0.9, 0.999
    losses = []
    for step in range(1, steps + 1):
        loss, grad = value_and_gradient(lambda t: texture_loss(t, target_grams, bank), x)
        losses.append(loss)
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad**2
        m_hat, v_hat = m / (1 - beta_1**step), v / (1 - beta_2**step)
        x = x - learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    return x[0, :, :, 0], losses


def texture_image(size: int = 48, left: int = 500) -> np.ndarray:
    """A standardised grey ``size x size`` crop of the foliage in scikit-learn's ``china.jpg``.

    Rows ``330 .. 330 + 2 size`` and columns ``left .. left + 2 size`` of the
    photograph (the trees at its bottom right), down-sampled by 2 (2x2 means).
    ``left=400`` gives a second patch of the same foliage.
    """
    from sklearn.datasets import load_sample_image

    image = load_sample_image("china.jpg").astype("float64").mean(axis=-1)  # (427, 640)
    if not 1 <= size <= 48 or not 0 <= left <= image.shape[1] - 2 * size:
        raise ValueError(
            f"the crop must lie in the foliage: 1 <= size <= 48, 0 <= left <= "
            f"{image.shape[1]} - 2 size. Received: size={size}, left={left}"
        )
    crop = image[330 : 330 + 2 * size, left : left + 2 * size]
    crop = crop.reshape(size, 2, size, 2).mean(axis=(1, 3))
    return ((crop - crop.mean()) / crop.std()).astype("float32")


# ----------------------------------------------------------------------------- experiment

#: The networks visualised: recipe, the layers whose maps are maximised, RBF output or not.
NETWORKS = {
    "lenet5": {"layers": ("C1", "C3"), "rbf": True},
    "convnet": {"layers": ("conv_1", "conv_2"), "rbf": False},
}
MAPS_SHOWN = 16  # at most this many maps per layer are maximised (conv_2 has 64)


def _train(name: str, recipe):
    """The network of recipe ``name`` trained on this recipe's data for ``train.epochs``.

    The library's own steps (data, build, compile, fit, evaluate), without a run
    directory: experiments sit below the orchestrator (``dlrecipes.runs``).

    Returns:
        ``(model, splits, test_accuracy)``; ``model`` is the wrapped model the runner
        would save (standardisation inside).
    """
    from dlrecipes import data as data_sources
    from dlrecipes import registry
    from dlrecipes.evaluation import evaluate_model
    from dlrecipes.models.build import build_model
    from dlrecipes.recipe import resolve
    from dlrecipes.training import compile_model, fit, set_seed
    from dlrecipes.training.targets import targets_for_loss

    overrides = {
        "data.source": recipe.data.source,
        "data.limit": recipe.data.limit,
        "train.epochs": recipe.train.epochs,
        "train.tensorboard": False,
        "seed": recipe.seed,
    }
    if recipe.data.source.startswith("mnist"):
        overrides["data.image_size"] = 0
    network_recipe = resolve(registry.get(name), overrides=overrides)
    set_seed(network_recipe.seed, network_recipe.train.jit_compile)
    splits = targets_for_loss(
        data_sources.load(network_recipe.data, seed=network_recipe.seed),
        network_recipe.train.loss,
    )
    model = build_model(network_recipe, splits)
    compile_model(model, network_recipe.train, len(splits.x_train))
    fit(model, splits, network_recipe.train, None, verbose=0)
    report = evaluate_model(model, splits, network_recipe, "test")["report"]
    return model, splits, float(report["accuracy"])


def _maximise(network, layers, rbf, x_real, steps, learning_rate, seed):
    """Maximised inputs for each map of ``layers`` and each class; and how they score."""
    import keras

    low, high = float(x_real.min()), float(x_real.max())
    rng = np.random.default_rng(seed)
    shape = x_real.shape[1:]
    images, scores = {}, {}
    for name in layers:
        layer_model = keras.Model(network.inputs[0], network.get_layer(name).output)
        count = min(int(layer_model.output.shape[-1]), MAPS_SHOWN)
        maps = np.arange(count)
        objective = map_objective(layer_model, maps)
        real_units = centre_unit(np.asarray(layer_model(x_real)))[:, :count]  # (n_real, count)
        # Faint noise, so pixels outside the unit's receptive field stay near 0. A ReLU unit
        # that is 0 there has no gradient: it starts from the real digit it likes most.
        start = 0.01 * rng.standard_normal((count, *shape)).astype("float32")
        _, grad = value_and_gradient(objective, start)
        dead = ~np.any(grad.reshape(count, -1) != 0, axis=1)
        start[dead] = x_real[real_units.argmax(axis=0)[dead]]
        x, _ = ascend(objective, start, steps, learning_rate, low, high)
        maximised = centre_unit(np.asarray(layer_model(x)))[maps, maps]
        real = real_units.max(axis=0)
        scores[f"{name}_gain_over_best_real"] = float(np.median(maximised / np.maximum(real, 1e-6)))
        scores[f"{name}_maps_above_best_real"] = int(np.sum(maximised > real))
        scores[f"{name}_maps_started_from_a_digit"] = int(np.sum(dead))
        scores[f"{name}_maps"] = int(count)
        images[name] = x
    classes = np.arange(int(network.output.shape[-1]))
    start = 0.01 * rng.standard_normal((len(classes), *shape)).astype("float32")
    x, _ = ascend(class_objective(network, classes, rbf), start, steps, learning_rate, low, high)
    outputs = np.asarray(network(x))
    predicted = outputs.argmin(axis=-1) if rbf else outputs.argmax(axis=-1)
    images["classes"] = x
    scores["class_hit_rate"] = float(np.mean(predicted == classes))
    return images, scores


def _dream(network, layer, x, steps, learning_rate, rbf):
    """DeepDream on ``x``: ascend a layer's mean squared activation; returns dreams and numbers."""
    import keras

    layer_model = keras.Model(network.inputs[0], network.get_layer(layer).output)
    low, high = float(x.min()), float(x.max())
    dreams, values = ascend(dream_objective(layer_model), x, steps, learning_rate, low, high)
    before, after = (np.asarray(network(v)) for v in (x, dreams))
    pick = (lambda o: o.argmin(-1)) if rbf else (lambda o: o.argmax(-1))
    return dreams, {
        "dream_activation_gain": float(values[-1] / values[0]),
        "dream_changed_class": float(np.mean(pick(before) != pick(after))),
    }


def cnn_visualisation(recipe, run_dir) -> dict:
    """Maximised inputs and dreams of trained LeNet-5 and convnet; texture from random filters.

    1. Trains ``lenet5`` (faithful) and ``convnet`` on ``data.source`` for
       ``train.epochs`` epochs each (their recipes' data, model and training settings;
       nothing is saved).
    2. For each: the input that maximises the centre unit of each map of its two
       convolution layers
       (at most 16 per layer) and each class score, by :func:`ascend` from faint
       noise for ``model.options.steps`` steps (in the network's standardised input
       space, clipped to the real inputs' range).
    3. Dreams: the first 8 test digits ascended on ``mean(a^2)`` of the second
       convolution layer (LeNet's C3, the convnet's conv_2).
    4. Texture: :func:`synthesise_texture` on a foliage crop of ``china.jpg`` with
       :func:`random_filter_bank` (4 sizes x 32 random filters), against a second
       crop of the same foliage and against noise.

    ``model.options``: ``steps`` (ascent steps, default 100), ``learning_rate``
    (0.05), ``dream_steps`` (30), ``texture_steps`` (300), ``texture_size`` (48).

    Writes ``plots/maximised_<net>.png``, ``plots/dreams.png``, ``plots/texture.png``
    and ``visualisation.json``.

    Returns:
        ``class_hit_rate`` (mean over the two networks of the fraction of
        class-maximised images the network assigns to their class: the expect
        metric), per network ``<net>_class_hit_rate``, ``<net>_<layer>_gain_over_best_real``
        (median over maps of the maximised image's centre unit divided by the
        largest value of that unit on 64 real test digits),
        ``<net>_<layer>_maps_above_best_real``, dream numbers, ``<net>_test_accuracy``,
        and the texture losses.
    """
    import json
    from pathlib import Path

    from dlrecipes.models.build import unwrap
    from dlrecipes.reports.cnn_visualisation import plot_dreams, plot_maximised, plot_texture

    options = {
        "steps": 100,
        "learning_rate": 0.05,
        "dream_steps": 30,
        "texture_steps": 300,
        "texture_size": 48,
        **dict(recipe.model.options),
    }
    plots = Path(run_dir) / "plots"
    metrics, dreams = {}, {}
    for net, spec in NETWORKS.items():
        model, splits, accuracy = _train(net, recipe)
        metrics[f"{net}_test_accuracy"] = accuracy
        network, x_test = unwrap(model, splits.x_test[:64])
        x_test = np.asarray(x_test, dtype="float32")  # as the builder's model sees it
        images, scores = _maximise(
            network,
            spec["layers"],
            spec["rbf"],
            x_test,
            int(options["steps"]),
            float(options["learning_rate"]),
            recipe.seed,
        )
        plot_maximised(
            images,
            plots / f"maximised_{net}.png",
            title=f"{net}: inputs that "
            "maximise each map (first rows) and each class score (last row)",
        )
        metrics.update({f"{net}_{k}": v for k, v in scores.items()})
        dreamed, numbers = _dream(
            network,
            spec["layers"][1],
            x_test[:8],
            int(options["dream_steps"]),
            float(options["learning_rate"]),
            spec["rbf"],
        )
        dreams[net] = (x_test[:8], dreamed)
        metrics.update({f"{net}_{k}": v for k, v in numbers.items()})
    plot_dreams(dreams, plots / "dreams.png")

    size = int(options["texture_size"])
    target, other = texture_image(size), texture_image(size, left=400)
    bank = random_filter_bank(seed=recipe.seed)
    synthesised, losses = synthesise_texture(
        target, bank, int(options["texture_steps"]), seed=recipe.seed
    )
    from keras import ops

    target_grams = [
        np.asarray(g) for g in gram_matrices(ops.convert_to_tensor(target[None, :, :, None]), bank)
    ]

    def loss_of(image):
        return float(
            texture_loss(ops.convert_to_tensor(image[None, :, :, None]), target_grams, bank)
        )

    metrics.update(
        {
            "texture_loss_start": losses[0],
            "texture_loss_synthesised": loss_of(synthesised),
            "texture_loss_other_patch": loss_of(other),
            # pixel-for-pixel correlation with the target: a second patch of the same
            # foliage has about 0; the synthesis more means the statistics pin down
            # part of the layout (the "copying" of many random filters on a small image)
            "texture_pixel_correlation": float(
                np.corrcoef(synthesised.ravel(), target.ravel())[0, 1]
            ),
            "texture_pixel_correlation_other_patch": float(
                np.corrcoef(other.ravel(), target.ravel())[0, 1]
            ),
        }
    )
    plot_texture(target, other, synthesised, losses, plots / "texture.png")
    metrics["class_hit_rate"] = float(
        np.mean([metrics[f"{net}_class_hit_rate"] for net in NETWORKS])
    )
    (Path(run_dir) / "visualisation.json").write_text(json.dumps(metrics, indent=1))
    return metrics
