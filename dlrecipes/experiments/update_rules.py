"""The optimizers' update rules as the lectures write them, in NumPy, and their Keras twins.

Each rule is a pure function ``(w, g, state, t, hyper) -> (w_new, state_new)`` for a
parameter vector ``w`` (any shape), its gradient ``g`` at step ``t = 1, 2, ...`` and the
rule's running ``state`` (a dict of arrays, empty before the first step):

| rule       | the lectures' update                                                              |
|------------|-----------------------------------------------------------------------------------|
| sgd        | w <- w - eta g                                                                    |
| momentum   | v <- a v - eta g;  w <- w + v                                                     |
| adagrad    | G <- G + g^2;  w <- w - eta g / sqrt(G + eps)                                     |
| adadelta   | E[g^2] <- rho E[g^2] + (1 - rho) g^2;                                             |
|            | dw = -sqrt(E[dw^2] + eps) / sqrt(E[g^2] + eps) g;                                 |
|            | E[dw^2] <- rho E[dw^2] + (1 - rho) dw^2;  w <- w + eta dw   (Zeiler: eta = 1)     |
| rmsprop    | E[g^2] <- rho E[g^2] + (1 - rho) g^2;  w <- w - eta g / sqrt(E[g^2] + eps)        |
| adam       | m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;                                |
|            | m^ = m / (1 - b1^t);  v^ = v / (1 - b2^t);  w <- w - eta m^ / (sqrt(v^) + eps)    |

How Keras 3 differs, and the configuration that makes it compute the same numbers
(:func:`keras_optimizer`):

- **Momentum**: ``keras.optimizers.SGD(momentum=a)`` keeps ``v <- a v - eta g; w <- w + v``,
  the lectures' sign convention (Keras 2 / TF1 kept ``v <- a v + g; w <- w - eta v``,
  which is the same trajectory with ``v`` scaled by ``-1/eta``).
- **AdaGrad**: Keras starts the accumulator at ``initial_accumulator_value = 0.1``, not 0
  (so its first steps are shorter than the lectures'); matched with
  ``initial_accumulator_value=0``. Keras puts ``epsilon`` inside the square root, as
  here; Duchi et al. and Goodfellow et al. (Alg. 8.4) add ``delta`` outside it
  (``eta / (delta + sqrt(G))``): the two differ by O(eps) and only where ``G`` is tiny.
- **RMSProp**: Keras' default ``rho`` is 0.9 (Hinton's lecture 6e: 0.9), ``epsilon``
  inside the root (Goodfellow Alg. 8.5 the same). Matched as written.
- **AdaDelta**: Keras multiplies Zeiler's step by ``learning_rate`` (Zeiler has none:
  use 1.0) and defaults to ``rho = 0.95, epsilon = 1e-7`` (Zeiler: 1e-6). Matched by
  ``learning_rate=1.0`` and the same ``epsilon``.
- **Hyper-parameters in float32**: under TensorFlow Keras casts some hyper-parameters
  through float32 even for float64 weights (``learning_rate`` is a float32 variable;
  ``beta_1 ** t`` uses float32 ``beta_1`` while ``1 - beta_1`` stays a Python float), so
  0.9 and 0.999 leave a ~1e-7 relative difference per step. The step-for-step check
  therefore uses :data:`CHECK_HYPERPARAMETERS`, values close to the usual ones that
  float32 represents exactly (0.875 for 0.9, 1 - 2^-10 for 0.999, 2^-23 for 1e-7).
- **Adam**: Keras uses Kingma & Ba's "epsilon-hat" form (end of their section 2):
  ``alpha_t = eta sqrt(1 - b2^t) / (1 - b1^t)``, ``w <- w - alpha_t m / (sqrt(v) + eps)``,
  which equals the rule above with ``eps`` replaced by ``eps sqrt(1 - b2^t)``. The two
  differ by O(eps / sqrt(v^)); :func:`adam_epsilon_hat` is Keras' form, equal to Keras
  to rounding, and with ``eps -> 0`` both forms coincide.

References: Robbins & Monro 1951; Polyak 1964; Duchi, Hazan & Singer 2011; Zeiler 2012
(arXiv:1212.5701, Algorithm 1); Tieleman & Hinton 2012 (COURSERA lecture 6.5); Kingma &
Ba 2015 (ICLR, Algorithm 1); Goodfellow, Bengio & Courville, *Deep Learning* (2016),
section 8.5.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Default hyper-parameters of each rule (the lectures' symbols; Keras' defaults).
DEFAULTS: dict[str, dict[str, float]] = {
    "sgd": {"eta": 0.1},
    "momentum": {"eta": 0.01, "a": 0.9},
    "adagrad": {"eta": 0.1, "eps": 1e-7},
    "adadelta": {"eta": 1.0, "rho": 0.95, "eps": 1e-6},
    "rmsprop": {"eta": 0.01, "rho": 0.9, "eps": 1e-7},
    "adam": {"eta": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-7},
    "adam_epsilon_hat": {"eta": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-7},
}

#: Hyper-parameters exactly representable in float32, for the step-for-step check.
CHECK_HYPERPARAMETERS: dict[str, dict[str, float]] = {
    "sgd": {"eta": 0.125},
    "momentum": {"eta": 0.015625, "a": 0.875},
    "adagrad": {"eta": 0.125, "eps": 2.0**-23},
    "adadelta": {"eta": 1.0, "rho": 0.9375, "eps": 2.0**-20},
    "rmsprop": {"eta": 0.0078125, "rho": 0.875, "eps": 2.0**-23},
    "adam": {"eta": 0.0625, "b1": 0.875, "b2": 1 - 2.0**-10, "eps": 2.0**-23},
    "adam_epsilon_hat": {"eta": 0.0625, "b1": 0.875, "b2": 1 - 2.0**-10, "eps": 2.0**-23},
}


def _zeros(state, w, *names):
    for name in names:
        state.setdefault(name, np.zeros_like(w))


def sgd(w, g, state, t, eta):
    """``w <- w - eta g``."""
    return w - eta * g, state


def momentum(w, g, state, t, eta, a):
    """``v <- a v - eta g; w <- w + v`` (Polyak's heavy ball; ``v_0 = 0``)."""
    _zeros(state, w, "v")
    v = a * state["v"] - eta * g
    return w + v, {"v": v}


def adagrad(w, g, state, t, eta, eps):
    """``G <- G + g^2; w <- w - eta g / sqrt(G + eps)`` (``G_0 = 0``).

    The step of parameter i at time t is ``eta / sqrt(sum_{s<=t} g_{s,i}^2) * g_{t,i}``.
    """
    _zeros(state, w, "G")
    accumulated = state["G"] + g**2
    return w - eta * g / np.sqrt(accumulated + eps), {"G": accumulated}


def adadelta(w, g, state, t, eta, rho, eps):
    """Zeiler's Algorithm 1, times ``eta`` (1 in the paper)."""
    _zeros(state, w, "Eg2", "Edw2")
    mean_g2 = rho * state["Eg2"] + (1 - rho) * g**2
    delta = -np.sqrt(state["Edw2"] + eps) / np.sqrt(mean_g2 + eps) * g
    mean_dw2 = rho * state["Edw2"] + (1 - rho) * delta**2
    return w + eta * delta, {"Eg2": mean_g2, "Edw2": mean_dw2}


def rmsprop(w, g, state, t, eta, rho, eps):
    """``E <- rho E + (1 - rho) g^2; w <- w - eta g / sqrt(E + eps)`` (``E_0 = 0``)."""
    _zeros(state, w, "Eg2")
    mean_g2 = rho * state["Eg2"] + (1 - rho) * g**2
    return w - eta * g / np.sqrt(mean_g2 + eps), {"Eg2": mean_g2}


def adam(w, g, state, t, eta, b1, b2, eps):
    """Kingma & Ba's Algorithm 1: bias-corrected moments, ``eps`` added to ``sqrt(v^)``."""
    _zeros(state, w, "m", "v")
    m = b1 * state["m"] + (1 - b1) * g
    v = b2 * state["v"] + (1 - b2) * g**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return w - eta * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v}


def adam_epsilon_hat(w, g, state, t, eta, b1, b2, eps):
    """Adam with the bias correction folded into the step size (Keras' form):
    ``alpha_t = eta sqrt(1 - b2^t) / (1 - b1^t); w <- w - alpha_t m / (sqrt(v) + eps)``."""
    _zeros(state, w, "m", "v")
    m = b1 * state["m"] + (1 - b1) * g
    v = b2 * state["v"] + (1 - b2) * g**2
    alpha = eta * np.sqrt(1 - b2**t) / (1 - b1**t)
    return w - alpha * m / (np.sqrt(v) + eps), {"m": m, "v": v}


RULES: dict[str, Callable] = {
    "sgd": sgd,
    "momentum": momentum,
    "adagrad": adagrad,
    "adadelta": adadelta,
    "rmsprop": rmsprop,
    "adam": adam,
    "adam_epsilon_hat": adam_epsilon_hat,
}


def hyperparameters(rule: str, **overrides) -> dict[str, float]:
    """The rule's defaults with ``overrides``; unknown rules or names are errors."""
    if rule not in RULES:
        raise ValueError(f"unknown update rule. Expected one of {list(RULES)}. Received: {rule!r}")
    unknown = sorted(set(overrides) - set(DEFAULTS[rule]))
    if unknown:
        raise ValueError(
            f"{rule} has hyper-parameters {list(DEFAULTS[rule])}. Received: {unknown[0]!r}"
        )
    return {**DEFAULTS[rule], **overrides}


def numpy_trajectory(rule: str, gradient: Callable, w0, steps: int, **hyper) -> np.ndarray:
    """Iterates ``rule`` from ``w0`` for ``steps`` steps on ``gradient(w) -> g``.

    Returns:
        ``(steps + 1, *w0.shape)`` float64 array: ``w_0, w_1, ..., w_steps``.
    """
    if steps < 0:
        raise ValueError(f"steps must be non-negative. Received: steps={steps}")
    hyper = hyperparameters(rule, **hyper)
    update = RULES[rule]
    w, state, path = np.asarray(w0, "float64").copy(), {}, []
    path.append(w.copy())
    for t in range(1, steps + 1):
        w, state = update(w, gradient(w), state, t, **hyper)
        path.append(w.copy())
    return np.array(path)


def keras_optimizer(rule: str, **hyper):
    """The ``keras.optimizers`` instance configured to follow ``rule`` (see the module notes).

    ``adam`` and ``adam_epsilon_hat`` both map to ``keras.optimizers.Adam``, which
    computes the epsilon-hat form exactly and the paper's form to O(eps).
    """
    import keras

    h = hyperparameters(rule, **hyper)
    if rule == "sgd":
        return keras.optimizers.SGD(learning_rate=h["eta"])
    if rule == "momentum":
        return keras.optimizers.SGD(learning_rate=h["eta"], momentum=h["a"])
    if rule == "adagrad":
        return keras.optimizers.Adagrad(
            learning_rate=h["eta"], initial_accumulator_value=0.0, epsilon=h["eps"]
        )
    if rule == "adadelta":
        return keras.optimizers.Adadelta(learning_rate=h["eta"], rho=h["rho"], epsilon=h["eps"])
    if rule == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=h["eta"], rho=h["rho"], epsilon=h["eps"])
    return keras.optimizers.Adam(
        learning_rate=h["eta"], beta_1=h["b1"], beta_2=h["b2"], epsilon=h["eps"]
    )


def keras_trajectory(optimizer, gradient: Callable, w0, steps: int) -> np.ndarray:
    """The same iteration with a Keras optimizer on a float64 ``keras.Variable``.

    The gradient is computed in NumPy from the current weights (the same function
    as for :func:`numpy_trajectory`), so any difference is the update rule's.
    """
    import keras

    from dlrecipes.backprop import float64_scope

    with float64_scope():
        variable = keras.Variable(np.asarray(w0, "float64"), dtype="float64", name="w")
        path = [np.asarray(variable.numpy(), "float64").copy()]
        for _ in range(steps):
            g = gradient(np.asarray(variable.numpy(), "float64"))
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(g, "float64"), variable)])
            path.append(np.asarray(variable.numpy(), "float64").copy())
    return np.array(path)


def adagrad_effective_rates(gradients, eta: float = 1.0) -> np.ndarray:
    """The lectures' AdaGrad example: step t divides ``eta`` by ``sqrt(sum_{s<=t} g_s^2)``.

    >>> np.round(adagrad_effective_rates([0.1, 0.2, 0.3]), 2)   # eta/0.1, eta/0.22, eta/0.37
    array([10.  ,  4.47,  2.67])
    """
    g = np.asarray(gradients, "float64")
    return eta / np.sqrt(np.cumsum(g**2))


def keras_adagrad_effective_rates(gradients, eta: float = 1.0) -> np.ndarray:
    """The same rates measured on ``keras.optimizers.Adagrad`` (accumulator from 0):
    ``(w_{t-1} - w_t) / g_t`` when the gradients ``g_t`` are fed one by one."""
    sequence = [float(g) for g in gradients]
    feed = iter(sequence)
    path = keras_trajectory(
        keras_optimizer("adagrad", eta=eta, eps=1e-30),
        lambda w: np.full_like(w, next(feed)),
        np.zeros(1),
        len(sequence),
    )[:, 0]
    return (path[:-1] - path[1:]) / np.asarray(sequence)


def ill_conditioned_quadratic(scales=(1.0, 10.0)):
    """``f(w) = 0.5 sum_i s_i w_i^2`` and its gradient ``s * w``: a long narrow valley."""
    s = np.asarray(scales, "float64")

    def value(w):
        return 0.5 * np.sum(s * np.asarray(w) ** 2, axis=-1)

    def gradient(w):
        return s * np.asarray(w, "float64")

    return value, gradient
