"""Evaluate a saved agent and record an episode as a GIF or MP4 (``run NAME --play RUN_DIR``).

Everything read from the run directory is data: ``recipe.toml`` (no code), the
Q-network in Keras' safe mode or the Q-table without pickle. Damaged files and
safe-mode refusals are one-line errors, and ``--record``'s path is checked before
any episode is played.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.models.build import check_keras_archive, safe_mode_refusal
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
    best = run_dir / "best"
    _check_saved_agent(best)
    try:
        policy = AGENTS[options.algorithm].load_policy(best)
    except ValueError as error:  # Keras' safe mode refused the Q-network's file
        raise safe_mode_refusal(best / "model.keras", error) from None
    return recipe, options, policy


def _check_saved_agent(best: Path) -> None:
    """The files of a saved agent are data, checked before a policy is made of them: a
    Q-network's ``model.keras`` is a complete archive, a ``q_table.npy`` a finite numeric
    table (read without pickle). Anything else is a one-line :class:`RecipeError`."""
    model = best / "model.keras"
    if model.is_file():
        check_keras_archive(model)
    table = best / "q_table.npy"
    if not table.is_file():
        return
    try:
        q_table = np.load(table, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise RecipeError(
            f"{str(table)!r} is not a readable NumPy table ({str(error).splitlines()[0]}); "
            "expected the q_table.npy a run saved"
        ) from None
    if q_table.ndim != 2 or q_table.dtype.kind not in "iuf" or not np.isfinite(q_table).all():
        raise RecipeError(
            f"{str(table)!r} holds a {q_table.dtype} array of shape {q_table.shape}; expected "
            "a finite (states, actions) Q-table"
        )


#: The video formats ``--record`` writes, by suffix (MP4 needs the ``video`` extra).
VIDEO_SUFFIXES = (".gif", ".mp4")
VIDEO_EXTRA = "video"


def check_record_path(path: Path) -> Path:
    """Check that ``--record`` can write its video, *before* any episode is played.

    The name must end in ``.gif`` or ``.mp4`` (H.264 through imageio-ffmpeg, the
    ``video`` extra, checked here too) and its directory must be creatable and
    writable: the directories are made and a temporary file next to it is written
    and removed.

    Raises:
        RecipeError: one line naming the path and why it cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise RecipeError(
            f"--record writes a GIF or an MP4. Received: {str(path)!r} (use a .gif or .mp4 name)"
        )
    if path.suffix.lower() == ".mp4":
        _mp4_writer()
    if path.is_dir():
        raise RecipeError(f"--record expects a file name. Received: {str(path)!r} is a directory")
    probe = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise RecipeError(
            f"--record cannot write {str(path)!r} ({error.strerror or error}); expected a "
            "path in a writable directory"
        ) from None
    return path


def _mp4_writer():
    """imageio's ffmpeg writer, or the one-line error naming the extra."""
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (the ffmpeg binary imageio calls)
    except ImportError:
        raise RecipeError(
            f"--record ... .mp4 needs imageio and imageio-ffmpeg: pip install "
            f"'dlrecipes[{VIDEO_EXTRA}]' (or record a .gif)"
        ) from None
    return imageio


def _write_mp4(frames: list[np.ndarray], path: Path, fps: int) -> None:
    """H.264 MP4 (yuv420p, plays everywhere); frames are padded to even sizes."""
    imageio = _mp4_writer()
    height, width = frames[0].shape[:2]
    pad = ((0, height % 2), (0, width % 2), (0, 0))
    partial = path.with_name(path.name + ".tmp.mp4")  # written whole, then renamed
    with imageio.get_writer(
        partial, fps=fps, codec="libx264", pixelformat="yuv420p", macro_block_size=1
    ) as writer:
        for frame in frames:
            writer.append_data(np.pad(np.asarray(frame, np.uint8)[..., :3], pad))
    partial.replace(path)


def record_gif(policy, env_id: str, env_options: dict, path: Path, seed: int, fps: int = 30):
    """Play one greedy episode with ``render_mode="rgb_array"``; save it as a GIF or an MP4
    (by ``path``'s suffix)."""
    from PIL import Image

    path = check_record_path(path)
    # Frames are drawn off-screen: no display is needed, and pygame's SDL would otherwise
    # probe one and print "error: XDG_RUNTIME_DIR is invalid or not set" on a server.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
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
    frames = [np.asarray(frame) for frame in frames if frame is not None]
    if not frames:
        raise RecipeError(f"{env_id} rendered no frames with render_mode='rgb_array'")
    if path.suffix.lower() == ".mp4":
        _write_mp4(frames, path, fps)
        return {"video": str(path), "video_frames": len(frames), "video_return": total}
    images = [Image.fromarray(frame) for frame in frames]
    partial = path.with_name(path.name + ".tmp")  # written whole, then renamed
    images[0].save(
        partial,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=int(1000 / fps),
        loop=0,
    )
    partial.replace(path)
    return {"video": str(path), "video_frames": len(images), "video_return": total}


def play(
    run_dir: Path, *, episodes: int = 10, record: Path | None = None, seed: int = 0
) -> dict[str, Any]:
    """Evaluate the best agent of ``run_dir`` greedily; optionally record one episode.

    Args:
        run_dir: a run directory written by ``python -m recipes run`` for an RL recipe.
        episodes: greedy evaluation episodes.
        record: a ``.gif`` or ``.mp4`` path to write one rendered episode to.
        seed: the evaluation seed.

    Returns:
        ``eval_return_mean``, ``eval_return_std``, ``success_rate``, ``episodes``,
        ``returns`` (and ``video``, ``video_frames``, ``video_return`` when recording).
    """
    if episodes < 1:
        raise RecipeError(f"--episodes must be >= 1. Received: {episodes}")
    if record is not None:
        check_record_path(record)  # before the episodes are played, not after
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
        try:
            out["best_step"] = json.loads(best_info.read_text()).get("step")
        except (ValueError, AttributeError):  # not JSON, or not an object: no step to report
            out["best_step"] = None
    if record is not None:
        out.update(record_gif(policy, spec.env_id, spec.env_options, Path(record), seed))
    return out
