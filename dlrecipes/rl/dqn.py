"""Deep Q-learning with experience replay and a target network (Mnih et al. 2015).

The network ``Q(x, a; theta)`` is trained to satisfy the Bellman optimality
equation on transitions drawn from a replay buffer. For a transition
``(s_tm1, a_tm1, r_t, discount_t, s_t)`` the target is

    y = r_t + discount_t * max_a Q(s_t, a; theta^-)                     (DQN)
    y = r_t + discount_t * Q(s_t, argmax_a Q(s_t, a; theta); theta^-)   (Double DQN)

where ``theta^-`` are the weights of a *target network*, a lagged copy of the
online weights ``theta`` (hard copy every ``target_update_period`` gradient steps,
or a soft update ``theta^- <- tau theta + (1 - tau) theta^-``). Double DQN
(van Hasselt et al. 2016) selects the next action with the online network and
evaluates it with the target network, which removes most of the maximisation
bias of ``max``. The loss is the Huber loss of the TD error
``delta = y - Q(s_tm1, a_tm1; theta)``, minimised with Adam on a globally clipped
gradient.

Algorithm 1 as first published (Mnih et al. 2013, "Playing Atari with deep
reinforcement learning") had neither a target network nor the Huber loss: replay
memory of capacity N, epsilon-greedy, ``y = r_t + gamma max_a Q(phi_t, a; theta)``
with the current weights, and the squared error ``(y - Q(phi_tm1, a_tm1; theta))^2``.
``target_network=False`` and ``loss="squared"`` (:class:`~dlrecipes.rl.options.DQNOptions`)
give exactly that; ``conv_filters`` give its convolutional network over ``phi``, a
stack of the last frames (:class:`~dlrecipes.rl.catch.FrameStack`). The 2013 paper
optimised with RMSProp; here Adam is used throughout, so the ablation varies only
the target network, the loss and the replay capacity.

Legend (time-indexed names, as in DeepMind's dqn_zoo and rlax):

* ``s_tm1``: observations at t-1, ``(batch, *observation_shape)``
* ``a_tm1``: actions taken at t-1, ``(batch,)`` int32
* ``r_t``: rewards received at t, ``(batch,)``
* ``discount_t``: ``gamma``, or ``0`` where t ended the episode, ``(batch,)``
* ``s_t``: observations at t, ``(batch, *observation_shape)``
* ``q_tm1``, ``q_t``: Q-values of every action at t-1 and t, ``(batch, num_actions)``

Speed. The update is a pure function ``(state, batches) -> (new state, stats)``
written with ``keras.ops`` and compiled once with XLA (``jax.jit`` or
``tf.function(jit_compile=True)``). One call runs ``gradient_steps`` gradient
steps in a compiled loop over mini-batches sampled up front in NumPy, so Python
runs once per update, not once per gradient step. Acting is a compiled greedy
forward pass over the observations of all the vectorised environments at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes import atomic
from dlrecipes.recipe import RecipeError
from dlrecipes.rl import backend
from dlrecipes.rl.options import DQNOptions
from dlrecipes.rl.replay import FIELDS, ReplayBuffer


def huber_loss(x, delta: float = 1.0):
    """Elementwise Huber loss: ``x^2 / 2`` for ``|x| <= delta``, ``delta (|x| - delta / 2)`` beyond.

    Its gradient is the TD error clipped to ``[-delta, delta]``, the "error
    clipping" of Mnih et al. (2015).
    """
    from keras import ops

    abs_x = ops.abs(x)
    quadratic = ops.minimum(abs_x, delta)
    linear = abs_x - quadratic
    return 0.5 * quadratic * quadratic + delta * linear


def dqn_loss(
    online_params: list,
    target_params: list,
    batch: dict,
    *,
    apply_fn: Callable,
    num_actions: int,
    double: bool = False,
    huber_delta: float = 1.0,
    loss: str = "huber",
):
    """The DQN (or Double DQN) loss of one mini-batch; a pure function.

    Args:
        online_params: the online network's trainable weights ``theta``.
        target_params: the target network's weights ``theta^-``.
        batch: the five arrays ``s_tm1, a_tm1, r_t, discount_t, s_t`` (see the legend).
        apply_fn: ``(params, observations) -> Q-values (batch, num_actions)``.
        num_actions: number of actions.
        double: use the Double DQN target.
        huber_delta: the Huber loss threshold.
        loss: ``"huber"`` (:func:`huber_loss`) or ``"squared"``: ``delta^2 / 2``, the
            squared error of Algorithm 1 (Mnih et al. 2013), whose gradient is the
            unclipped TD error.

    Returns:
        ``(loss, mean Q(s_tm1, a_tm1))``: scalars.
    """
    from keras import ops

    q_tm1 = apply_fn(online_params, batch["s_tm1"])  # (batch, num_actions)
    q_t_target = apply_fn(target_params, batch["s_t"])  # (batch, num_actions)
    if double:
        q_t_online = apply_fn(online_params, batch["s_t"])  # (batch, num_actions)
        a_t = ops.argmax(q_t_online, axis=-1)  # (batch,) selected by theta
        v_t = ops.sum(q_t_target * ops.one_hot(a_t, num_actions, dtype=q_t_target.dtype), -1)
    else:
        v_t = ops.max(q_t_target, axis=-1)  # (batch,)
    y = ops.stop_gradient(batch["r_t"] + batch["discount_t"] * v_t)  # (batch,) the TD target
    one_hot_a = ops.one_hot(batch["a_tm1"], num_actions, dtype=q_tm1.dtype)  # (batch, n)
    q_a = ops.sum(q_tm1 * one_hot_a, axis=-1)  # (batch,) Q(s_tm1, a_tm1)
    td_error = y - q_a
    if loss == "squared":
        return ops.mean(0.5 * td_error * td_error), ops.mean(q_a)
    return ops.mean(huber_loss(td_error, huber_delta)), ops.mean(q_a)


def adam_step(
    params: list,
    grads: list,
    moment_1: list,
    moment_2: list,
    step,
    *,
    learning_rate: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-8,
    max_grad_norm: float = 0.0,
):
    """One pure Adam step (Kingma & Ba 2015) on a globally norm-clipped gradient.

    ``g <- g * min(1, max_grad_norm / ||g||)``; ``m <- b1 m + (1 - b1) g``;
    ``v <- b2 v + (1 - b2) g^2``;
    ``theta <- theta - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``.

    Returns ``(new params, new moment_1, new moment_2)``; ``step`` is t - 1.
    """
    from keras import ops

    if max_grad_norm > 0:
        norm = ops.sqrt(sum(ops.sum(ops.square(g)) for g in grads))
        scale = ops.minimum(1.0, max_grad_norm / (norm + 1e-6))
        grads = [g * scale for g in grads]
    t = ops.cast(step + 1, "float32")
    moment_1 = [beta_1 * m + (1.0 - beta_1) * g for m, g in zip(moment_1, grads)]
    moment_2 = [beta_2 * v + (1.0 - beta_2) * ops.square(g) for v, g in zip(moment_2, grads)]
    alpha = learning_rate * ops.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
    params = [
        p - alpha * m / (ops.sqrt(v) + epsilon) for p, m, v in zip(params, moment_1, moment_2)
    ]
    return params, moment_1, moment_2


def sync_target(online: list, target: list, step, *, period: int, tau: float) -> list:
    """The target network before gradient step ``step`` (a pure function).

    ``theta^- <- tau theta + (1 - tau) theta^-`` when ``step % period == 0`` (with
    ``tau = 1`` a hard copy), otherwise ``theta^-`` unchanged.
    """
    from keras import ops

    sync = ops.equal(ops.mod(step, period), 0)
    return [
        ops.where(sync, tau * w + (1.0 - tau) * w_target, w_target)
        for w, w_target in zip(online, target)
    ]


def make_gradient_step(
    apply_fn: Callable,
    num_actions: int,
    *,
    double: bool,
    huber_delta: float,
    learning_rate: float,
    adam_epsilon: float,
    max_grad_norm: float,
    target_update_period: int,
    tau: float,
    target_network: bool = True,
    loss: str = "huber",
) -> Callable:
    """One pure gradient step on one mini-batch.

    ``(online, target, adam_m, adam_v, step, batch) -> (online, target, adam_m,
    adam_v, loss, q_mean)``: sync the target network (:func:`sync_target`), take the
    gradient of :func:`dqn_loss` with respect to the online weights, apply
    :func:`adam_step`.

    Args:
        apply_fn: ``(params, observations) -> Q-values (batch, num_actions)``.
        num_actions: number of actions.
        double, huber_delta: the target and the loss of :func:`dqn_loss`.
        learning_rate, adam_epsilon, max_grad_norm: those of :func:`adam_step`.
        target_update_period, tau: :func:`sync_target`'s ``period`` and ``tau``.
        target_network: False: targets from this step's online weights under
            ``stop_gradient`` (Algorithm 1 of Mnih et al. 2013; ``target`` follows them).
        loss: the TD loss of :func:`dqn_loss` (``"huber"`` or ``"squared"``).
    """
    options = {"double": double, "huber_delta": huber_delta, "loss": loss}

    def loss_fn(online, target, batch):
        return dqn_loss(
            online, target, batch, apply_fn=apply_fn, num_actions=num_actions, **options
        )

    grad_fn = backend.value_and_grad(loss_fn)

    def gradient_step(online, target, adam_m, adam_v, step, batch):
        if target_network:
            target = sync_target(online, target, step, period=target_update_period, tau=tau)
        else:
            target = online  # Algorithm 1: the current weights (the loss stops their gradient)
        (loss, q_mean), grads = grad_fn(online, target, batch)
        online, adam_m, adam_v = adam_step(
            online,
            grads,
            adam_m,
            adam_v,
            step,
            learning_rate=learning_rate,
            epsilon=adam_epsilon,
            max_grad_norm=max_grad_norm,
        )
        return online, target, adam_m, adam_v, loss, q_mean

    return gradient_step


def make_update(gradient_step: Callable, jit_compile: bool = True) -> Callable:
    """The compiled update ``(state, batches) -> (new state, stats)``.

    ``state`` is a dict of tensors: ``online``, ``target``, ``adam_m``, ``adam_v``
    (lists shaped like the trainable weights) and ``step`` (int32 count of
    gradient steps). ``batches`` holds the five fields stacked as
    ``(gradient_steps, batch, ...)``; the update runs ``gradient_step`` (from
    :func:`make_gradient_step`) on each mini-batch in a compiled loop and returns
    the mean ``loss`` and ``q``. The function reads no ``self``; it is traced once
    per batch shape and then runs without Python (compiled with XLA unless
    ``jit_compile`` is False: :func:`dlrecipes.rl.backend.jit`).

    Example (as :class:`DQNAgent` uses it)::

        update = make_update(make_gradient_step(apply_fn, num_actions, **hyperparameters))
        state, stats = update(state, buffer.sample(rng, 64, num_batches=128))
    """
    from keras import ops

    def update(state, batches):
        num_steps = batches["s_tm1"].shape[0]

        def body(i, carry):
            online, target, adam_m, adam_v, step, loss_sum, q_sum = carry
            batch = {key: batches[key][i] for key in FIELDS}  # one (batch, ...) mini-batch
            online, target, adam_m, adam_v, loss, q_mean = gradient_step(
                online, target, adam_m, adam_v, step, batch
            )
            return online, target, adam_m, adam_v, step + 1, loss_sum + loss, q_sum + q_mean

        zero = ops.zeros((), "float32")
        keys = ("online", "target", "adam_m", "adam_v", "step")
        carry = (*(state[key] for key in keys), zero, zero)
        *new_state, loss_sum, q_sum = ops.fori_loop(0, num_steps, body, carry)
        stats = {"loss": loss_sum / num_steps, "q": q_sum / num_steps}
        return dict(zip(keys, new_state)), stats

    return backend.jit(update, jit_compile)


class DQNAgent:
    """A DQN agent: epsilon-greedy acting, replay, compiled updates, full state.

    Implements :class:`~dlrecipes.rl.agent.Agent`; the training loop in
    :mod:`dlrecipes.rl.train` owns the environments.

    Args:
        observation_shape: shape of one observation (a ``Box`` space's shape).
        num_actions: size of the ``Discrete`` action space.
        options: the resolved :class:`~dlrecipes.rl.options.DQNOptions`.
        seed: seeds the weights (``keras.utils.set_random_seed``) and the agent's
            NumPy generator (exploration and replay sampling).
        observation_dtype: the replay's storage dtype (``"uint8"`` for pixels).

    Params (:meth:`params`) are the online network's trainable weights by their
    index, ``{"0": kernel_0, "1": bias_0, ...}``.
    """

    def __init__(
        self,
        observation_shape: Sequence[int],
        num_actions: int,
        options: DQNOptions,
        seed: int,
        observation_dtype: str = "float32",
    ):
        import keras

        backend.name()
        keras.utils.set_random_seed(seed)
        self.options = options
        self.num_actions = int(num_actions)
        self.observation_shape = tuple(observation_shape)
        self.update_schedule = options.update_schedule()
        self.model = _build_qnet(self.observation_shape, self.num_actions, options)
        apply_fn = _stateless_apply(self.model)
        self.xla = options.use_xla(backend.conv_xla_is_slow())
        self._greedy = backend.CompiledForward(
            lambda params, observations: _argmax(apply_fn(params, observations)), self.xla
        )
        self._update = make_update(
            make_gradient_step(
                apply_fn,
                self.num_actions,
                double=options.double,
                huber_delta=options.huber_delta,
                learning_rate=options.learning_rate,
                adam_epsilon=options.adam_epsilon,
                max_grad_norm=options.max_grad_norm,
                target_update_period=options.target_update_period,
                tau=options.tau,
                target_network=options.target_network,
                loss=options.loss,
            ),
            jit_compile=self.xla,
        )
        online = [v.numpy() for v in self.model.trainable_variables]
        self.state = _to_tensors(
            {
                "online": online,
                "target": [w.copy() for w in online],
                "adam_m": [np.zeros_like(w) for w in online],
                "adam_v": [np.zeros_like(w) for w in online],
                "step": np.zeros((), np.int32),
            }
        )
        self.buffer = ReplayBuffer(options.buffer_size, self.observation_shape, observation_dtype)
        self.rng = np.random.default_rng(seed)

    @classmethod
    def create(cls, options, observation_space, action_space, *, seed, total_steps):
        """The agent for a ``Box`` observation and a ``Discrete`` action space.

        ``uint8`` observations (pixels) are stored as ``uint8`` in the replay (the
        network scales them by ``observation_scale``); any other dtype as float32.
        """
        dtype = "uint8" if observation_space.dtype == np.uint8 else "float32"
        return cls(observation_space.shape, action_space.n, options, seed, dtype)

    @classmethod
    def load_policy(cls, directory: Path):
        """The greedy policy of the Q-network :meth:`save` wrote (loaded in safe mode)."""
        import keras

        path = Path(directory) / "model.keras"
        if not path.is_file():
            raise RecipeError(
                f"no saved agent in the run. Received: {str(directory)!r} has no model.keras"
            )
        model = keras.models.load_model(path, compile=False, safe_mode=True)
        params = [v.value for v in model.trainable_variables]
        apply_fn = _stateless_apply(model, [v.value for v in model.non_trainable_variables])
        compiled = backend.CompiledForward(lambda p, obs: _argmax(apply_fn(p, obs)))

        def policy(observations):
            observations = np.asarray(observations, np.float32)
            return keras.ops.convert_to_numpy(compiled(params, observations)).astype(np.int64)

        return policy

    # ------------------------------------------------------------------ acting

    def _greedy_with(self, params: list, observations: np.ndarray) -> np.ndarray:
        from keras import ops

        observations = np.asarray(observations, np.float32)
        return ops.convert_to_numpy(self._greedy(params, observations)).astype(np.int64)

    def greedy(self, observations: np.ndarray) -> np.ndarray:
        """``argmax_a Q(x, a)`` for a batch of observations ``(n, *shape)`` -> ``(n,)`` int."""
        return self._greedy_with(self.state["online"], observations)

    def act(self, observations: np.ndarray, epsilon: float) -> np.ndarray:
        """Epsilon-greedy actions ``(n,)`` for observations ``(n, *shape)``.

        The generator draws the same numbers whatever epsilon is, so runs stay
        reproducible; the network is not evaluated while every action is random.
        """
        n = observations.shape[0]
        explore = self.rng.random(n) < epsilon
        random_actions = self.rng.integers(0, self.num_actions, size=n)
        if explore.all():
            return random_actions
        return np.where(explore, random_actions, self.greedy(observations))

    # ----------------------------------------------------------------- learning

    def observe(self, s_tm1, a_tm1, r_t, discount_t, s_t) -> None:
        """Store a batch of transitions in the replay buffer."""
        self.buffer.add(s_tm1, a_tm1, r_t, discount_t, s_t)

    def update(self) -> dict[str, float]:
        """``gradient_steps`` gradient steps on fresh mini-batches, in one compiled call."""
        from keras import ops

        batches = self.buffer.sample(
            self.rng, self.options.batch_size, self.options.gradient_steps
        )  # each (gradient_steps, batch_size, ...)
        self.state, stats = self._update(self.state, batches)
        return {key: float(ops.convert_to_numpy(value)) for key, value in stats.items()}

    # -------------------------------------------------------------------- state

    def params(self) -> dict[str, np.ndarray]:
        """A NumPy copy of the online weights, ``{"0": w_0, "1": w_1, ...}``."""
        from keras import ops

        return {str(i): ops.convert_to_numpy(w).copy() for i, w in enumerate(self.state["online"])}

    def policy(self, params: dict[str, np.ndarray] | None = None):
        """The greedy policy of ``params`` (default: the online weights)."""
        if params is None:
            return self.greedy
        from keras import ops

        tensors = [ops.convert_to_tensor(params[str(i)]) for i in range(len(params))]
        return lambda observations: self._greedy_with(tensors, observations)

    def value_table(self, params: dict[str, np.ndarray]) -> None:
        """None: a network over continuous observations keeps no table."""
        return None

    def save(self, directory: Path, params: dict[str, np.ndarray]) -> None:
        """Write the Q-network with the weights ``params`` to ``directory/model.keras``."""
        for i, variable in enumerate(self.model.trainable_variables):
            variable.assign(params[str(i)])
        atomic.save_model(self.model, Path(directory) / "model.keras")

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """``(arrays, plain data)``: weights, Adam moments, replay buffer, RNG state."""
        from keras import ops

        arrays = {}
        for key in ("online", "target", "adam_m", "adam_v"):
            for i, w in enumerate(self.state[key]):
                arrays[f"{key}/{i}"] = ops.convert_to_numpy(w)
        arrays["step"] = ops.convert_to_numpy(self.state["step"])
        for key, value in self.buffer.get_state().items():
            arrays[f"replay/{key}"] = value
        return arrays, {"rng": self.rng.bit_generator.state}

    def set_state(self, arrays: dict[str, np.ndarray], data: dict[str, Any]) -> None:
        """Restore what :meth:`get_state` returned."""
        count = len(self.state["online"])
        state = {
            key: [arrays[f"{key}/{i}"] for i in range(count)]
            for key in ("online", "target", "adam_m", "adam_v")
        }
        state["step"] = np.asarray(arrays["step"], np.int32)
        self.state = _to_tensors(state)
        self.buffer.set_state(
            {key[len("replay/") :]: v for key, v in arrays.items() if key.startswith("replay/")}
        )
        self.rng.bit_generator.state = data["rng"]


def _build_qnet(observation_shape, num_actions: int, options: DQNOptions):
    """The Q-network the options describe (:func:`dlrecipes.models.qnet.qnet`)."""
    from dlrecipes.models.qnet import qnet  # imports Keras: only when a DQN agent is made

    return qnet(
        observation_shape,
        num_actions,
        hidden_units=options.hidden_units,
        dueling=options.dueling,
        conv_filters=options.conv_filters,
        conv_kernel_size=options.conv_kernel_size,
        conv_stride=options.conv_stride,
        input_scale=options.observation_scale,
    )


def _stateless_apply(model, fixed: list | None = None) -> Callable:
    """``(params, observations) -> Q-values``: ``model`` as a pure function of its weights."""
    from keras import ops

    if fixed is None:
        fixed = [ops.convert_to_tensor(v.numpy()) for v in model.non_trainable_variables]
    return lambda params, observations: model.stateless_call(params, fixed, observations)[0]


def _argmax(q_values):
    from keras import ops

    return ops.argmax(q_values, axis=-1)


def _to_tensors(state: dict) -> dict:
    from keras import ops

    return {
        key: [ops.convert_to_tensor(w) for w in value]
        if isinstance(value, list)
        else ops.convert_to_tensor(value)
        for key, value in state.items()
    }
