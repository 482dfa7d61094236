"""The training loop shared by every agent: collect, learn, evaluate, checkpoint.

One iteration steps ``num_envs`` environment copies with the agent's
epsilon-greedy actions, stores the transitions, and on schedule

* updates the agent (Q-learning: every step; DQN: every ``train_frequency``
  env steps once ``learning_starts`` steps are stored);
* evaluates the greedy policy for ``eval_episodes`` episodes and keeps the best
  agent in ``best/``; with ``stop_when_solved`` an evaluation at or above
  ``solved_return`` is confirmed on ``final_eval_episodes`` fresh episodes and
  ends training;
* writes a checkpoint of the whole state (agent, replay, RNGs, environments,
  counters) to ``checkpoint/``, from which ``resume=True`` continues exactly.

The final result is the greedy evaluation of the best agent on
``final_eval_episodes`` episodes with seeds no earlier evaluation used.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes.recipe import Recipe, RecipeError
from dlrecipes.rl import checkpoint as checkpoints
from dlrecipes.rl.envs import check_spaces, make_env, make_vector_env
from dlrecipes.rl.evaluate import evaluate
from dlrecipes.rl.logs import EpisodeLog, Progress, ScalarWriter
from dlrecipes.rl.options import resolve_options
from dlrecipes.rl.schedules import LinearSchedule


def _eval_seed(seed: int, index: int) -> int:
    """Seeds of evaluation episodes: disjoint from training (``seed``) and from each other."""
    return 1_000_000 * (seed + 1) + 1_000 * index


FINAL_EVAL_INDEX = 999


def validate(recipe: Recipe) -> dict[str, Any]:
    """Check the agent section before anything is written; return the resolved options.

    Raises a one-line RecipeError for an unknown algorithm or option, an unknown
    environment id, ``env_options`` the environment rejects, and spaces the
    algorithm cannot handle.
    """
    spec = recipe.agent
    if spec is None:
        raise RecipeError(f"recipe {recipe.name!r} has task='rl' but no agent section")
    options = resolve_options(spec.algorithm, spec.options)
    if spec.total_steps < 1:
        raise RecipeError(f"agent.total_steps must be >= 1. Received: {spec.total_steps}")
    env = make_env(spec.env_id, spec.env_options)
    try:
        check_spaces(spec.algorithm, spec.env_id, env.observation_space, env.action_space)
    finally:
        env.close()
    return options


def build_agent(algorithm: str, observation_space, action_space, options: dict, seed: int):
    """The agent object for ``algorithm`` and the environment's spaces."""
    if algorithm == "q_learning":
        from dlrecipes.rl.q_learning import QLearningAgent

        return QLearningAgent(observation_space.n, action_space.n, options, seed)
    from dlrecipes.rl.dqn import DQNAgent

    return DQNAgent(observation_space.shape, action_space.n, options, seed)


def _save_best(agent, algorithm: str, params, best_dir: Path, info: dict) -> None:
    import json

    best_dir.mkdir(parents=True, exist_ok=True)
    if algorithm == "q_learning":
        np.save(best_dir / "q_table.npy", params)
    else:
        agent.save_model(best_dir / "model.keras", params)
    (best_dir / "best.json").write_text(json.dumps(info, indent=1))


def train_agent(
    recipe: Recipe, run_dir: Path, *, resume: bool = False, verbose: bool = True
) -> dict[str, Any]:
    """Train ``recipe.agent`` into ``run_dir``; return flat final metrics.

    Writes ``checkpoint/``, ``best/``, ``plots/``, ``tensorboard/`` and
    ``episodes.csv`` under ``run_dir``. With ``resume=True`` it reloads
    ``run_dir/checkpoint`` and continues to ``agent.total_steps``.

    Returns:
        ``eval_return_mean``, ``eval_return_std``, ``success_rate`` (greedy, best
        agent, ``final_eval_episodes`` episodes), ``env_steps``, ``episodes``,
        ``updates``, ``steps_per_second``, ``train_time_s``, ``solved``,
        ``solved_at_step``, ``time_to_solve_s``, ``best_step``.
    """
    run_dir = Path(run_dir)
    spec = recipe.agent
    options = validate(recipe)
    algorithm, seed, total_steps = spec.algorithm, int(recipe.seed), int(spec.total_steps)
    num_envs = options["num_envs"]
    for name in ("plots", "best", "tensorboard"):
        (run_dir / name).mkdir(parents=True, exist_ok=True)

    envs = make_vector_env(spec.env_id, spec.env_options, num_envs)
    agent = build_agent(
        algorithm, envs.single_observation_space, envs.single_action_space, options, seed
    )
    epsilon = LinearSchedule(
        options["epsilon_start"],
        options["epsilon_end"],
        int(options["epsilon_decay_fraction"] * total_steps),
    )
    learning_rate = None
    if algorithm == "q_learning":
        learning_rate = LinearSchedule(
            options["learning_rate"],
            options["learning_rate_end"],
            int(options["learning_rate_decay_fraction"] * total_steps),
        )

    counters = {
        "step": 0,
        "episodes": 0,
        "updates": 0,
        "next_update": options.get("train_frequency", 1),
        "next_eval": options["eval_every"] or math.inf,
        "next_checkpoint": options["checkpoint_every"] or math.inf,
        "eval_index": 0,
        "train_time_s": 0.0,
        "best_score": -math.inf,
        "best_step": -1,
        "solved": False,
        "solved_at_step": -1,
        "time_to_solve_s": -1.0,
    }
    eval_history: list[dict[str, float]] = []
    recent_returns: deque[float] = deque(maxlen=20)
    best_params = None
    if resume:
        arrays, data, saved_envs = checkpoints.load(run_dir / "checkpoint")
        agent.set_state(
            {k[len("agent/") :]: v for k, v in arrays.items() if k.startswith("agent/")},
            data["agent"],
        )
        counters.update(data["counters"])
        for key in ("next_eval", "next_checkpoint"):
            counters[key] = math.inf if counters[key] is None else counters[key]
        eval_history = data["eval_history"]
        recent_returns.extend(data["recent_returns"])
        count = sum(key.startswith("best/") for key in arrays)
        if "best/q_table" in arrays:
            best_params = arrays["best/q_table"]
        elif count:
            best_params = [arrays[f"best/{i}"] for i in range(count)]
        observations = arrays["loop/observations"]
        previous_done = arrays["loop/previous_done"]
        running_return = arrays["loop/running_return"]
        running_length = arrays["loop/running_length"]
        if saved_envs is not None:
            envs.close()
            envs = saved_envs
        else:  # environments that cannot be pickled restart their episodes
            observations, _ = envs.reset(seed=seed + 7_919 * counters["step"])
            previous_done[:] = False
            running_return[:] = 0.0
            running_length[:] = 0
    else:
        observations, _ = envs.reset(seed=seed)
        previous_done = np.zeros(num_envs, bool)
        running_return = np.zeros(num_envs)
        running_length = np.zeros(num_envs, int)

    episode_log = EpisodeLog(run_dir / "episodes.csv", counters["episodes"] if resume else None)
    writer = ScalarWriter(run_dir / "tensorboard")
    progress = Progress(total_steps, options["progress_every"], counters["step"], verbose)
    if verbose:
        what = "resuming" if resume else "training"
        print(
            f"{what} {algorithm} on {spec.env_id} ({num_envs} env(s)) from step "
            f"{counters['step']:,} to {total_steps:,}",
            flush=True,
        )

    def greedy_policy(params=None):
        if algorithm == "q_learning":
            return lambda obs: agent.greedy(obs, params)
        tensors = None if params is None else agent.params_as_tensors(params)
        return lambda obs: agent.greedy(obs, tensors)

    def run_eval(episodes: int, index: int, params=None) -> dict:
        return evaluate(
            greedy_policy(params),
            spec.env_id,
            spec.env_options,
            episodes,
            _eval_seed(seed, index),
            success_return=options["success_return"],
        )

    def save_checkpoint() -> None:
        arrays, agent_data = agent.get_state()
        arrays = {f"agent/{k}": v for k, v in arrays.items()}
        if best_params is not None:
            if algorithm == "q_learning":
                arrays["best/q_table"] = best_params
            else:
                arrays.update({f"best/{i}": w for i, w in enumerate(best_params)})
        arrays.update(
            {
                "loop/observations": observations,
                "loop/previous_done": previous_done,
                "loop/running_return": running_return,
                "loop/running_length": running_length,
            }
        )
        saved = {
            **counters,
            "next_eval": None if counters["next_eval"] == math.inf else counters["next_eval"],
            "next_checkpoint": None
            if counters["next_checkpoint"] == math.inf
            else counters["next_checkpoint"],
            "train_time_s": counters["train_time_s"] + (time.perf_counter() - segment_start),
        }
        checkpoints.save(
            run_dir / "checkpoint",
            arrays,
            {
                "agent": agent_data,
                "counters": saved,
                "eval_history": eval_history,
                "recent_returns": list(recent_returns),
            },
            envs,
        )
        episode_log.flush()
        writer.flush()

    gamma = options["discount"]
    segment_start = time.perf_counter()
    last_stats: dict[str, float] = {}
    try:
        while counters["step"] < total_steps and not (
            counters["solved"] and options["stop_when_solved"]
        ):
            step = counters["step"]
            eps = epsilon(step)
            actions = agent.act(observations, eps)
            next_observations, rewards, terminated, truncated, _ = envs.step(actions)
            live = ~previous_done  # a copy whose episode ended last step is only resetting
            if live.any():
                discount = gamma * (1.0 - terminated.astype(np.float32))
                agent.observe(
                    observations[live],
                    actions[live],
                    rewards[live],
                    discount[live],
                    next_observations[live],
                )
            running_return[live] += rewards[live]
            running_length[live] += 1
            step += int(live.sum())
            counters["step"] = step
            for i in np.flatnonzero((terminated | truncated) & live):
                counters["episodes"] += 1
                recent_returns.append(float(running_return[i]))
                episode_log.write(
                    episode=counters["episodes"],
                    env_step=step,
                    **{"return": float(running_return[i])},
                    length=int(running_length[i]),
                    epsilon=eps,
                    wall_time_s=round(
                        counters["train_time_s"] + time.perf_counter() - segment_start, 3
                    ),
                )
                writer.scalars(
                    step,
                    {"episode/return": running_return[i], "episode/length": running_length[i]},
                )
                running_return[i] = 0.0
                running_length[i] = 0
            previous_done = terminated | truncated
            observations = next_observations

            if algorithm == "q_learning":
                agent.learning_rate = learning_rate(step)
                last_stats = agent.update() or last_stats
                counters["updates"] += 1
            elif step >= counters["next_update"]:
                if step >= options["learning_starts"]:
                    last_stats = agent.update()
                    counters["updates"] += 1
                    elapsed = counters["train_time_s"] + time.perf_counter() - segment_start
                    writer.scalars(
                        step,
                        {
                            "train/loss": last_stats["loss"],
                            "train/q": last_stats["q"],
                            "train/epsilon": eps,
                            "train/steps_per_second": step / max(elapsed, 1e-9),
                        },
                    )
                while counters["next_update"] <= step:
                    counters["next_update"] += options["train_frequency"]

            if step >= counters["next_eval"]:
                while counters["next_eval"] <= step:
                    counters["next_eval"] += options["eval_every"]
                counters["eval_index"] += 1
                result = run_eval(options["eval_episodes"], counters["eval_index"])
                score = result["return_mean"]
                entry = {"step": step, "return_mean": score, "success_rate": result["success_rate"]}
                writer.scalars(
                    step, {"eval/return_mean": score, "eval/success_rate": result["success_rate"]}
                )
                if options["stop_when_solved"] and score >= options["solved_return"]:
                    counters["eval_index"] += 1
                    confirm = run_eval(options["final_eval_episodes"], counters["eval_index"])
                    entry["confirm_return_mean"] = confirm["return_mean"]
                    if confirm["return_mean"] >= options["solved_return"]:
                        counters["solved"] = True
                        counters["solved_at_step"] = step
                        counters["time_to_solve_s"] = round(
                            counters["train_time_s"] + time.perf_counter() - segment_start, 3
                        )
                        score = math.inf  # a confirmed solution is the best agent
                eval_history.append(entry)
                if score >= counters["best_score"]:
                    counters["best_score"] = score
                    counters["best_step"] = step
                    best_params = agent.params()
                    _save_best(
                        agent,
                        algorithm,
                        best_params,
                        run_dir / "best",
                        {"step": step, "eval": entry},
                    )
                if verbose:
                    confirm_text = (
                        f", confirmed on {options['final_eval_episodes']}: "
                        f"{entry['confirm_return_mean']:.2f}"
                        if "confirm_return_mean" in entry
                        else ""
                    )
                    print(
                        f"  eval at step {step:,}: return {result['return_mean']:.2f} "
                        f"over {options['eval_episodes']} episodes{confirm_text}",
                        flush=True,
                    )

            if step >= counters["next_checkpoint"]:
                while counters["next_checkpoint"] <= step:
                    counters["next_checkpoint"] += options["checkpoint_every"]
                save_checkpoint()

            progress.maybe_print(
                step,
                counters["episodes"],
                float(np.mean(recent_returns)) if recent_returns else float("nan"),
                epsilon=f"{eps:.3f}",
                loss=f"{last_stats.get('loss', float('nan')):.4f}",
            )
        save_checkpoint()
        counters["train_time_s"] += time.perf_counter() - segment_start
        segment_start = time.perf_counter()
    finally:
        episode_log.close()
        envs.close()

    if best_params is None:  # no evaluation ran: the final agent is the best we have
        best_params = agent.params()
        counters["best_step"] = counters["step"]
        _save_best(agent, algorithm, best_params, run_dir / "best", {"step": counters["step"]})
    final = run_eval(options["final_eval_episodes"], FINAL_EVAL_INDEX, best_params)
    writer.scalars(
        counters["step"],
        {"final/return_mean": final["return_mean"], "final/success_rate": final["success_rate"]},
    )
    writer.close()
    _plots(run_dir, recipe, agent, best_params, eval_history)
    train_time = counters["train_time_s"]
    metrics = {
        "eval_return_mean": round(final["return_mean"], 4),
        "eval_return_std": round(final["return_std"], 4),
        "success_rate": round(final["success_rate"], 4),
        "eval_episodes": int(final["returns"].size),
        "env_steps": int(counters["step"]),
        "episodes": int(counters["episodes"]),
        "updates": int(counters["updates"]),
        "steps_per_second": round(counters["step"] / train_time, 1) if train_time > 0 else 0.0,
        "train_time_s": round(train_time, 3),
        "solved": bool(counters["solved"]),
        "solved_at_step": int(counters["solved_at_step"]),
        "time_to_solve_s": float(counters["time_to_solve_s"]),
        "best_step": int(counters["best_step"]),
    }
    if verbose:
        print(
            f"final greedy evaluation of the best agent (step {metrics['best_step']:,}): return "
            f"{metrics['eval_return_mean']:.2f} +- {metrics['eval_return_std']:.2f}, success rate "
            f"{metrics['success_rate']:.3f} over {metrics['eval_episodes']} episodes; "
            f"{metrics['env_steps']:,} env steps in {train_time:.1f} s "
            f"({metrics['steps_per_second']:,.0f} steps/s)",
            flush=True,
        )
    return metrics


def _plots(run_dir: Path, recipe: Recipe, agent, best_params, eval_history) -> None:
    from dlrecipes.rl import plots

    spec = recipe.agent
    log = EpisodeLog.read(run_dir / "episodes.csv")
    plots.returns(
        log["env_step"],
        log["return"],
        [e["step"] for e in eval_history],
        [e["return_mean"] for e in eval_history],
        run_dir / "plots" / "returns.png",
        title=f"{recipe.name}: {spec.algorithm} on {spec.env_id}",
    )
    if spec.algorithm == "q_learning":
        env = make_env(spec.env_id, spec.env_options)
        try:
            plots.policy_table(
                np.asarray(best_params),
                env,
                spec.env_id,
                run_dir / "plots" / "policy.png",
                title=f"{spec.env_id}: greedy policy and max_a Q",
            )
        finally:
            env.close()
