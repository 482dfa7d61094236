"""RL figures: the return per episode, the greedy evaluations, the greedy policy and values.

- :func:`returns` -> ``plots/returns.png``: every training episode's return against
  environment steps, its moving mean, and the periodic greedy evaluations.
- :func:`policy_table` -> ``plots/policy.png``: for tabular agents, ``argmax_a Q[x, a]``
  as arrows on the grid world (FrozenLake, CliffWalking) coloured by ``max_a Q[x, a]``,
  or the whole ``Q[x, a]`` table for other environments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlrecipes.reports.figures import pyplot, save

# Arrow for each action index, for the grid worlds whose actions are moves.
ACTION_ARROWS = {
    "FrozenLake": ("\u2190", "\u2193", "\u2192", "\u2191"),  # left, down, right, up
    "CliffWalking": ("\u2191", "\u2192", "\u2193", "\u2190"),  # up, right, down, left
}


def returns(
    episode_steps, episode_returns, eval_steps, eval_returns, path: Path, title: str = ""
) -> None:
    """Return of every training episode (and its moving average) against env steps,
    with the periodic greedy evaluations on top."""
    plt = pyplot()
    fig, axis = plt.subplots(figsize=(7, 4))
    episode_steps = np.asarray(episode_steps, float)
    episode_returns = np.asarray(episode_returns, float)
    if episode_returns.size:
        axis.plot(episode_steps, episode_returns, ".", alpha=0.25, ms=3, label="episode return")
        window = max(1, min(50, episode_returns.size // 10))
        if window > 1:
            smooth = np.convolve(episode_returns, np.ones(window) / window, mode="valid")
            axis.plot(episode_steps[window - 1 :], smooth, label=f"moving mean ({window})")
    if len(eval_steps):
        axis.plot(eval_steps, eval_returns, "o-", label="greedy evaluation")
    axis.set_xlabel("environment steps")
    axis.set_ylabel("return")
    axis.grid(alpha=0.3)
    axis.legend(loc="best")
    axis.set_title(title)
    save(fig, path)


def _grid_shape(env) -> tuple[int, int] | None:
    unwrapped = env.unwrapped
    if hasattr(unwrapped, "desc"):
        return tuple(np.asarray(unwrapped.desc).shape)
    shape = getattr(unwrapped, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 2:
        return shape
    return None


def _cell_labels(env, grid: tuple[int, int]) -> np.ndarray:
    unwrapped = env.unwrapped
    if hasattr(unwrapped, "desc"):
        return np.asarray(unwrapped.desc).astype(str)
    labels = np.full(grid, "", dtype=object)
    if hasattr(unwrapped, "_cliff"):
        labels[np.asarray(unwrapped._cliff)] = "C"
        labels[grid[0] - 1, 0] = "S"
        labels[grid[0] - 1, grid[1] - 1] = "G"
    return labels


def policy_table(q_table: np.ndarray, env, env_id: str, path: Path, title: str = "") -> None:
    """The greedy policy ``argmax_a Q[x, a]`` and value ``max_a Q[x, a]`` per state.

    Grid worlds (FrozenLake, CliffWalking) are drawn as their grid, an arrow per
    cell; other tabular environments as the full ``Q[x, a]`` table.
    """
    try:
        axes = env.get_wrapper_attr("grid")  # a discretised state (flappy bird's dx, dy, v)
    except AttributeError:
        axes = None
    if isinstance(axes, dict) and int(np.prod(list(axes.values()))) == q_table.shape[0]:
        return state_grid_policy(q_table, axes, path, title=title)
    plt = pyplot()
    values = q_table.max(axis=1)
    greedy = q_table.argmax(axis=1)
    grid = _grid_shape(env)
    arrows = next((a for prefix, a in ACTION_ARROWS.items() if env_id.startswith(prefix)), None)
    if grid is not None and int(np.prod(grid)) == q_table.shape[0] and arrows is not None:
        labels = _cell_labels(env, grid)
        fig, axis = plt.subplots(figsize=(0.7 * grid[1] + 2, 0.7 * grid[0] + 1))
        shown = values.reshape(grid).astype(float)
        shown[np.isin(labels, ("H", "G", "C"))] = np.nan  # terminal or unreachable: no value
        colormap = plt.get_cmap("viridis").with_extremes(bad="0.35")
        image = axis.imshow(shown, cmap=colormap)
        for state in range(q_table.shape[0]):
            row, col = divmod(state, grid[1])
            label = str(labels[row, col])
            terminal = label in ("H", "G", "C") or not np.any(q_table[state])
            text = label if terminal else f"{arrows[greedy[state]]}"
            if label in ("S",):
                text = f"S{arrows[greedy[state]]}"
            axis.text(col, row, text, ha="center", va="center", color="white", fontsize=12)
        axis.set_xticks([])
        axis.set_yticks([])
        fig.colorbar(image, ax=axis, label="max_a Q(x, a)")
    else:
        fig, axis = plt.subplots(figsize=(6, 6))
        image = axis.imshow(q_table, aspect="auto", cmap="viridis", interpolation="nearest")
        axis.set_xlabel("action a")
        axis.set_ylabel("state x")
        fig.colorbar(image, ax=axis, label="Q(x, a)")
    axis.set_title(title or "greedy policy and value")
    save(fig, path)


def bandit_curves(curves, path: Path, *, best_reward: float | None = None, title: str = "") -> None:
    """Sutton & Barto's Fig. 2.2: average reward and % optimal action against steps.

    Args:
        curves: :class:`~dlrecipes.rl.bandits.BanditCurves`, one per method.
        path: the PNG to write.
        best_reward: ``E[max_a q*(a)]``, the best average reward possible (a dashed line).
        title: the figure's title.
    """
    plt = pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6.5), sharex=True)
    for curve in curves:
        steps = np.arange(1, curve.average_reward.size + 1)
        top.plot(steps, curve.average_reward, lw=1, label=curve.name)
        bottom.plot(steps, 100 * curve.optimal_action, lw=1, label=curve.name)
    if best_reward is not None:
        top.axhline(best_reward, color="0.4", ls="--", lw=1, label="E[max_a q*(a)]")
    top.set_ylabel("average reward")
    bottom.set_ylabel("% optimal action")
    bottom.set_xlabel("steps")
    bottom.set_ylim(0, 100)
    for axis in (top, bottom):
        axis.grid(alpha=0.3)
        axis.legend(loc="lower right", fontsize=8)
    top.set_title(title or "the 10-armed testbed")
    save(fig, path)


def state_grid_policy(
    q_table: np.ndarray, axes: dict[str, int], path: Path, *, title: str = "", panels: int = 4
) -> None:
    """The greedy action over a discretised state ``(x, y, z)``: one panel per value of z.

    For flappy bird (``axes = {"dx": .., "dy": .., "v": ..}``): the action (flap or not)
    against the horizontal and vertical distance to the gap, for a few vertical
    speeds; states never visited (every ``Q`` still 0) are grey.
    """
    plt = pyplot()
    names, sizes = list(axes), [int(n) for n in axes.values()]
    table = q_table.reshape(*sizes, q_table.shape[-1])  # (x, y, z, actions)
    greedy = table.argmax(axis=-1).astype(float)
    greedy[~np.any(table != 0, axis=-1)] = np.nan  # not visited
    slices = np.unique(np.linspace(0, sizes[2] - 1, panels).round().astype(int))
    fig, panes = plt.subplots(1, len(slices), figsize=(3.2 * len(slices), 4), squeeze=False)
    colormap = plt.get_cmap("coolwarm", 2).with_extremes(bad="0.8")
    for pane, k in zip(panes[0], slices):
        image = pane.imshow(
            greedy[:, :, k].T, origin="lower", cmap=colormap, vmin=0, vmax=1, aspect="auto"
        )
        pane.set_title(f"{names[2]} bin {k}")
        pane.set_xlabel(f"{names[0]} bin")
    panes[0][0].set_ylabel(f"{names[1]} bin")
    bar = fig.colorbar(image, ax=list(panes[0]), ticks=[0.25, 0.75])
    bar.ax.set_yticklabels(["action 0", "action 1"])
    fig.suptitle(title or "greedy action over the state grid (grey: never visited)")
    save(fig, path, tight_layout=False)
