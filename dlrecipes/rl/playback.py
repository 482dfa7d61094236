"""Evaluate a saved agent and record an episode as a GIF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.recipe import RecipeError, recipe_from_toml
from dlrecipes.rl.agent import AGENTS
from dlrecipes.rl.envs import make_env
from dlrecipes.rl.evaluate import evaluate
from dlrecipes.rl.options import resolve_options


def load_policy(run_dir: Path):
    """``(recipe, greedy policy)`` of the best agent saved in ``run_dir/best``."""
    recipe, _, policy = _load(run_dir)
    return recipe, policy


def _load(run_dir: Path):
    """``(recipe, typed options, greedy policy)`` of the run in ``run_dir``."""
    run_dir = Path(run_dir)
    if not (run_dir / "recipe.toml").is_file():
        raise RecipeError(
            f"--play expects a run directory holding recipe.toml. Received: {str(run_dir)!r}"
        )
    recipe = recipe_from_toml(run_dir / "recipe.toml")
    if recipe.agent is None:
        raise RecipeError(f"--play expects an RL run. Received: {recipe.name!r} has no agent")
    options = resolve_options(recipe.agent.algorithm, recipe.agent.options)
    return recipe, options, AGENTS[options.algorithm].load_policy(run_dir / "best")


def record_gif(policy, env_id: str, env_options: dict, path: Path, seed: int, fps: int = 30):
    """Play one greedy episode with ``render_mode="rgb_array"`` and save its frames as a GIF."""
    from PIL import Image

    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise RecipeError(f"--record writes a GIF. Received: {str(path)!r} (use a .gif name)")
    env = make_env(env_id, env_options, render_mode="rgb_array")
    frames = []
    try:
        observation, _ = env.reset(seed=seed)
        frames.append(env.render())
        total, done = 0.0, False
        while not done:
            action = int(policy(np.asarray(observation)[None])[0])
            observation, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            frames.append(env.render())
            done = terminated or truncated
    finally:
        env.close()
    images = [Image.fromarray(np.asarray(frame)) for frame in frames if frame is not None]
    if not images:
        raise RecipeError(f"{env_id} rendered no frames with render_mode='rgb_array'")
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    return {"video": str(path), "video_frames": len(images), "video_return": total}


def play(
    run_dir: Path, *, episodes: int = 10, record: Path | None = None, seed: int = 0
) -> dict[str, Any]:
    """Evaluate the best agent of ``run_dir`` greedily; optionally record one episode.

    Args:
        run_dir: a run directory written by ``python -m recipes run`` for an RL recipe.
        episodes: greedy evaluation episodes.
        record: a ``.gif`` path to write one rendered episode to.
        seed: the evaluation seed.

    Returns:
        ``eval_return_mean``, ``eval_return_std``, ``success_rate``, ``episodes``,
        ``returns`` (and ``video``, ``video_frames``, ``video_return`` when recording).
    """
    if episodes < 1:
        raise RecipeError(f"--episodes must be >= 1. Received: {episodes}")
    recipe, options, policy = _load(run_dir)
    spec = recipe.agent
    result = evaluate(
        policy, spec.env_id, spec.env_options, episodes, seed, success_return=options.success_return
    )
    out = {
        "recipe": recipe.name,
        "env_id": spec.env_id,
        "episodes": episodes,
        "eval_return_mean": round(result["return_mean"], 4),
        "eval_return_std": round(result["return_std"], 4),
        "success_rate": round(result["success_rate"], 4),
        "returns": [round(float(r), 4) for r in result["returns"]],
    }
    best_info = Path(run_dir) / "best" / "best.json"
    if best_info.is_file():
        out["best_step"] = json.loads(best_info.read_text()).get("step")
    if record is not None:
        out.update(record_gif(policy, spec.env_id, spec.env_options, Path(record), seed))
    return out
