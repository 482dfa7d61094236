"""The training loop shared by every agent: collect, update, evaluate, checkpoint.

One iteration

* **collects**: steps the ``num_envs`` environment copies with the agent's
  epsilon-greedy actions and hands the agent the transitions
  (:class:`~dlrecipes.rl.rollout.Rollout`);
* **updates** the agent when its :class:`~dlrecipes.rl.schedules.UpdateSchedule`
  says so (Q-learning: after every iteration; DQN: every ``train_frequency`` env
  steps once ``learning_starts`` steps are stored);
* **evaluates** the greedy policy for ``eval_episodes`` episodes every
  ``eval_every`` env steps and keeps the best agent in ``best/``; with
  ``stop_when_solved`` an evaluation at or above ``solved_return`` is confirmed
  on ``final_eval_episodes`` fresh episodes and ends training;
* **checkpoints** the whole state (agent, replay, RNGs, environments, counters)
  to ``checkpoint/`` every ``checkpoint_every`` env steps, from which
  ``resume=True`` continues exactly.

The loop never asks which algorithm it runs: the agent (:mod:`dlrecipes.rl.agent`)
and its typed options decide. The final result is the greedy evaluation of the
best agent on ``final_eval_episodes`` episodes with seeds no earlier evaluation used.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dlrecipes import atomic, event_files
from dlrecipes.recipe import AgentSpec, Recipe, RecipeError
from dlrecipes.rl import checkpoint as checkpoints
from dlrecipes.rl.agent import AGENTS, Agent, Params
from dlrecipes.rl.envs import check_spaces, make_env, make_vector_env
from dlrecipes.rl.evaluate import evaluate
from dlrecipes.rl.logs import EpisodeLog, Progress, ScalarWriter
from dlrecipes.rl.options import CommonOptions, resolve_options
from dlrecipes.rl.rollout import Rollout

#: The evaluation index of the final evaluation (periodic ones count up from 1).
FINAL_EVAL_INDEX = 999


def _eval_seed(seed: int, index: int) -> int:
    """Seeds of evaluation episodes: disjoint from training (``seed``) and from each other."""
    return 1_000_000 * (seed + 1) + 1_000 * index


# ---------------------------------------------------------------- validation


def validate(recipe: Recipe) -> CommonOptions:
    """Check the agent section before anything is written; return its typed options.

    Raises a one-line RecipeError for a missing agent section, an unknown
    algorithm or option, a bad value, ``total_steps < 1``, an unknown environment
    id, ``env_options`` the environment rejects, and spaces the algorithm cannot
    handle. The result is memoised per (immutable, hashable) agent section, so the
    runner's check before it creates the run directory and :func:`train_agent`'s
    are one validation.
    """
    spec = recipe.agent
    if spec is None:
        raise RecipeError(f"recipe {recipe.name!r} has task='rl' but no agent section")
    try:
        hash(spec)
    except TypeError:  # a value freezing could not make hashable: check without the memo
        return _validate(spec)
    return _validate_memoised(spec)


def _validate(spec: AgentSpec) -> CommonOptions:
    options = resolve_options(spec.algorithm, spec.options)
    if spec.total_steps < 1:
        raise RecipeError(f"agent.total_steps must be >= 1. Received: {spec.total_steps}")
    env = make_env(spec.env_id, spec.env_options)
    try:
        check_spaces(spec.algorithm, spec.env_id, env.observation_space, env.action_space)
    finally:
        env.close()
    return options


_validate_memoised = functools.lru_cache(maxsize=32)(_validate)


# ---------------------------------------------------------------- the loop


@dataclasses.dataclass
class _Counters:
    """The loop's bookkeeping, checkpointed as ``state.json["counters"]``."""

    step: int = 0  # env steps (transitions) collected
    episodes: int = 0  # training episodes finished
    updates: int = 0  # agent.update() calls
    next_update: int = 1  # env step of the next due update (UpdateSchedule)
    next_eval: float = math.inf  # env step of the next evaluation (inf: none)
    next_checkpoint: float = math.inf  # env step of the next checkpoint (inf: none)
    eval_index: int = 0  # evaluations run (their seeds: _eval_seed)
    train_time_s: float = 0.0  # training time of the segments before this one
    best_score: float = -math.inf  # mean return of the best evaluation (inf: solved)
    best_step: int = -1
    solved: bool = False
    solved_at_step: int = -1
    time_to_solve_s: float = -1.0

    def to_json(self, train_time_s: float) -> dict[str, Any]:
        """The counters as JSON values (no infinite next step) with the time so far."""
        data = dataclasses.asdict(self)
        for key in ("next_eval", "next_checkpoint"):
            data[key] = None if data[key] == math.inf else data[key]
        data["train_time_s"] = train_time_s
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Counters:
        counters = cls(**data)
        for key in ("next_eval", "next_checkpoint"):
            if getattr(counters, key) is None:
                setattr(counters, key, math.inf)
        return counters


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The entries of ``arrays`` under ``prefix``, without it."""
    return {key[len(prefix) :]: value for key, value in arrays.items() if key.startswith(prefix)}


def _with_prefix(arrays: Mapping[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}{key}": value for key, value in arrays.items()}


class _TrainingLoop:
    """One training run: the agent, its environments, counters, logs, best agent."""

    def __init__(self, recipe: Recipe, run_dir: Path, options: CommonOptions, *, verbose: bool):
        self.recipe, self.spec, self.options = recipe, recipe.agent, options
        self.run_dir, self.verbose = run_dir, verbose
        self.seed, self.total_steps = int(recipe.seed), int(self.spec.total_steps)
        for name in ("plots", "best", "tensorboard"):
            (run_dir / name).mkdir(parents=True, exist_ok=True)
        envs = make_vector_env(self.spec.env_id, self.spec.env_options, options.num_envs)
        self.agent: Agent = AGENTS[options.algorithm].create(
            options,
            envs.single_observation_space,
            envs.single_action_space,
            seed=self.seed,
            total_steps=self.total_steps,
        )
        self.epsilon = options.epsilon_schedule(self.total_steps)
        self.counters = _Counters(
            next_update=self.agent.update_schedule.first,
            next_eval=options.eval_every or math.inf,
            next_checkpoint=options.checkpoint_every or math.inf,
        )
        self.eval_history: list[dict[str, float]] = []
        self.recent_returns: deque[float] = deque(maxlen=20)
        self.best_params: Params | None = None
        self.last_stats: dict[str, float] = {}
        self._new_envs = envs  # a resumed run puts the checkpoint's state into them
        self.rollout: Rollout | None = None
        self.segment_start = time.perf_counter()

    def start(self, resume: bool) -> None:
        """Begin a fresh run, or continue from ``run_dir/checkpoint``; open the logs."""
        if resume:
            self.rollout, saved_at = self._restore()
        else:
            self.rollout, saved_at = Rollout.start(self._new_envs, self.seed), -math.inf
        # Events logged after the checkpoint would be logged again: cut them (all of
        # them when starting over); a checkpoint without ``saved_at`` keeps every event.
        event_files.cut_back(self.run_dir / "tensorboard", saved_at)
        self.episode_log = EpisodeLog(
            self.run_dir / "episodes.csv", self.counters.episodes if resume else None
        )
        self.writer = ScalarWriter(self.run_dir / "tensorboard")
        self.progress = Progress(
            self.total_steps, self.options.progress_every, self.counters.step, self.verbose
        )
        if self.verbose:
            print(
                f"{'resuming' if resume else 'training'} {self.spec.algorithm} on "
                f"{self.spec.env_id} ({self.options.num_envs} env(s)) from step "
                f"{self.counters.step:,} to {self.total_steps:,}",
                flush=True,
            )

    def _restore(self) -> tuple[Rollout, float]:
        """The rollout of ``run_dir/checkpoint`` (and the state it holds put back into the
        agent and the counters), with the checkpoint's wall time."""
        arrays, data = checkpoints.load(self.run_dir / "checkpoint")
        self.agent.set_state(_prefixed(arrays, "agent/"), data["agent"])
        self.counters = _Counters.from_json(data["counters"])
        self.eval_history = data["eval_history"]
        self.recent_returns.extend(data["recent_returns"])
        self.best_params = _prefixed(arrays, "best/") or None
        reset_seed = self.seed + 7_919 * self.counters.step
        rollout = Rollout.restore(self._new_envs, arrays, data.get("envs"), reset_seed)
        return rollout, float(data.get("saved_at", math.inf))

    def elapsed(self) -> float:
        """Training seconds so far, over every segment of a resumed run."""
        return self.counters.train_time_s + time.perf_counter() - self.segment_start

    def finished(self) -> bool:
        return self.counters.step >= self.total_steps or (
            self.counters.solved and self.options.stop_when_solved
        )

    def run(self) -> None:
        """Iterate to ``total_steps`` (or a confirmed solution); write the last checkpoint."""
        self.segment_start = time.perf_counter()
        try:
            while not self.finished():
                epsilon = self.epsilon(self.counters.step)
                self.collect(epsilon)
                self.update(epsilon)
                self.evaluate()
                self.checkpoint()
                self.report_progress(epsilon)
            self.save_checkpoint()
            self.counters.train_time_s = self.elapsed()
            self.segment_start = time.perf_counter()
        finally:
            self.episode_log.close()
            self.rollout.envs.close()

    # ------------------------------------------------------------ the steps

    def collect(self, epsilon: float) -> None:
        """Step the environments once; log every episode that ended."""
        steps, finished = self.rollout.step(self.agent, epsilon, self.options.discount)
        counters = self.counters
        counters.step += steps
        for episode_return, length in finished:
            counters.episodes += 1
            self.recent_returns.append(episode_return)
            self.episode_log.write(
                episode=counters.episodes,
                env_step=counters.step,
                **{"return": episode_return},
                length=length,
                epsilon=epsilon,
                wall_time_s=round(self.elapsed(), 3),
            )
            self.writer.scalars(
                counters.step, {"episode/return": episode_return, "episode/length": length}
            )

    def update(self, epsilon: float) -> None:
        """Update the agent if its schedule says so; log the update's statistics."""
        schedule, counters = self.agent.update_schedule, self.counters
        step = counters.step
        if not schedule.due(step, counters.next_update):
            return
        if schedule.runs(step):
            self.last_stats = self.agent.update() or self.last_stats
            counters.updates += 1
            if schedule.log:
                scalars = {f"train/{key}": value for key, value in self.last_stats.items()}
                scalars["train/epsilon"] = epsilon
                scalars["train/steps_per_second"] = step / max(self.elapsed(), 1e-9)
                self.writer.scalars(step, scalars)
        counters.next_update = schedule.advance(step, counters.next_update)

    def evaluate(self) -> None:
        """Every ``eval_every`` env steps: a greedy evaluation, and the best agent kept."""
        counters, options = self.counters, self.options
        step = counters.step
        if step < counters.next_eval:
            return
        while counters.next_eval <= step:
            counters.next_eval += options.eval_every
        counters.eval_index += 1
        result = self.greedy_evaluation(options.eval_episodes, counters.eval_index)
        score = result["return_mean"]
        entry = {"step": step, "return_mean": score, "success_rate": result["success_rate"]}
        self.writer.scalars(
            step, {"eval/return_mean": score, "eval/success_rate": result["success_rate"]}
        )
        if options.stop_when_solved and score >= options.solved_return:
            score = self._confirm_solved(entry, score)
        self.eval_history.append(entry)
        if score >= counters.best_score:
            counters.best_score, counters.best_step = score, step
            self.best_params = self.agent.params()
            self.save_best({"step": step, "eval": entry})
        if self.verbose:
            confirm_text = (
                f", confirmed on {options.final_eval_episodes}: {entry['confirm_return_mean']:.2f}"
                if "confirm_return_mean" in entry
                else ""
            )
            print(
                f"  eval at step {step:,}: return {result['return_mean']:.2f} "
                f"over {options.eval_episodes} episodes{confirm_text}",
                flush=True,
            )

    def _confirm_solved(self, entry: dict, score: float) -> float:
        """Re-evaluate a solving agent on fresh episodes; ``inf`` (the best) if it holds."""
        counters, options = self.counters, self.options
        counters.eval_index += 1
        confirm = self.greedy_evaluation(options.final_eval_episodes, counters.eval_index)
        entry["confirm_return_mean"] = confirm["return_mean"]
        if confirm["return_mean"] < options.solved_return:
            return score
        counters.solved, counters.solved_at_step = True, counters.step
        counters.time_to_solve_s = round(self.elapsed(), 3)
        return math.inf  # a confirmed solution is the best agent

    def checkpoint(self) -> None:
        """Every ``checkpoint_every`` env steps: :meth:`save_checkpoint`."""
        counters = self.counters
        if counters.step < counters.next_checkpoint:
            return
        while counters.next_checkpoint <= counters.step:
            counters.next_checkpoint += self.options.checkpoint_every
        self.save_checkpoint()

    def report_progress(self, epsilon: float) -> None:
        recent = float(np.mean(self.recent_returns)) if self.recent_returns else float("nan")
        self.progress.maybe_print(
            self.counters.step,
            self.counters.episodes,
            recent,
            epsilon=f"{epsilon:.3f}",
            loss=f"{self.last_stats.get('loss', float('nan')):.4f}",
        )

    # ------------------------------------------------------------ persistence

    def greedy_evaluation(self, episodes: int, index: int, params: Params | None = None) -> dict:
        """The greedy policy of ``params`` (default: the agent's) on evaluation seeds ``index``."""
        return evaluate(
            self.agent.policy(params),
            self.spec.env_id,
            self.spec.env_options,
            episodes,
            _eval_seed(self.seed, index),
            success_return=self.options.success_return,
        )

    def save_best(self, info: dict) -> None:
        """Write the best agent's policy and ``best.json`` (its step and evaluation) to best/."""
        best_dir = self.run_dir / "best"
        best_dir.mkdir(parents=True, exist_ok=True)
        self.agent.save(best_dir, self.best_params)
        atomic.write_text(best_dir / "best.json", json.dumps(info, indent=1))

    def save_checkpoint(self) -> None:
        """The whole state to ``checkpoint/``: agent, best agent, environments, counters."""
        agent_arrays, agent_data = self.agent.get_state()
        arrays = _with_prefix(agent_arrays, "agent/")
        arrays.update(_with_prefix(self.best_params or {}, "best/"))
        rollout_arrays, env_data = self.rollout.state()
        arrays.update(rollout_arrays)  # under loop/ and envs/
        data = {
            "agent": agent_data,
            "counters": self.counters.to_json(self.elapsed()),
            "eval_history": self.eval_history,
            "recent_returns": list(self.recent_returns),
            "envs": env_data,
            "saved_at": time.time(),  # every event logged so far is older (see start)
        }
        # Logs first: a run killed after the checkpoint has all they hold up to it.
        self.episode_log.flush()
        self.writer.flush()
        checkpoints.save(self.run_dir / "checkpoint", arrays, data)

    def final_evaluation(self) -> dict[str, Any]:
        """Evaluate the best agent (the final one if no evaluation ran); close the logs."""
        counters = self.counters
        if self.best_params is None:  # no evaluation ran: the final agent is the best we have
            self.best_params = self.agent.params()
            counters.best_step = counters.step
            self.save_best({"step": counters.step})
        final = self.greedy_evaluation(
            self.options.final_eval_episodes, FINAL_EVAL_INDEX, self.best_params
        )
        self.writer.scalars(
            counters.step,
            {
                "final/return_mean": final["return_mean"],
                "final/success_rate": final["success_rate"],
            },
        )
        self.writer.close()
        _plots(self.run_dir, self.recipe, self.agent, self.best_params, self.eval_history)
        return final


def train_agent(
    recipe: Recipe, run_dir: Path, *, resume: bool = False, verbose: bool = True
) -> dict[str, Any]:
    """Train ``recipe.agent`` into ``run_dir``; return flat final metrics.

    Writes ``checkpoint/``, ``best/``, ``plots/``, ``tensorboard/`` and
    ``episodes.csv`` under ``run_dir``. With ``resume=True`` it reloads
    ``run_dir/checkpoint`` and continues to ``agent.total_steps``.

    Returns:
        ``eval_return_mean``, ``eval_return_std``, ``success_rate`` (greedy, best
        agent, ``final_eval_episodes`` episodes), ``eval_episodes``, ``env_steps``,
        ``episodes``, ``updates``, ``steps_per_second``, ``train_time_s``,
        ``solved``, ``solved_at_step``, ``time_to_solve_s``, ``best_step``.
    """
    loop = _TrainingLoop(recipe, Path(run_dir), validate(recipe), verbose=verbose)
    loop.start(resume)
    loop.run()
    metrics = _metrics(loop.final_evaluation(), loop.counters)
    train_time = loop.counters.train_time_s
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


def _metrics(final: dict[str, Any], counters: _Counters) -> dict[str, Any]:
    """The flat metrics of a run from its final evaluation and counters (and the game
    score's mean and max, ``eval_score_mean`` / ``eval_score_max``, where there is one)."""
    train_time = counters.train_time_s
    score = (
        {"eval_score_mean": round(final["score_mean"], 4), "eval_score_max": final["score_max"]}
        if "score_mean" in final
        else {}
    )
    return {
        **score,
        "eval_return_mean": round(final["return_mean"], 4),
        "eval_return_std": round(final["return_std"], 4),
        "success_rate": round(final["success_rate"], 4),
        "eval_episodes": int(final["returns"].size),
        "env_steps": int(counters.step),
        "episodes": int(counters.episodes),
        "updates": int(counters.updates),
        "steps_per_second": round(counters.step / train_time, 1) if train_time > 0 else 0.0,
        "train_time_s": round(train_time, 3),
        "solved": bool(counters.solved),
        "solved_at_step": int(counters.solved_at_step),
        "time_to_solve_s": float(counters.time_to_solve_s),
        "best_step": int(counters.best_step),
    }


def _plots(run_dir: Path, recipe: Recipe, agent: Agent, best_params: Params, eval_history) -> None:
    """``returns.png`` for every agent; ``policy.png`` for one that keeps a table."""
    from dlrecipes.reports import rl as plots

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
    table = agent.value_table(best_params)
    if table is None:
        return
    env = make_env(spec.env_id, spec.env_options)
    try:
        plots.policy_table(
            table,
            env,
            spec.env_id,
            run_dir / "plots" / "policy.png",
            title=f"{spec.env_id}: greedy policy and max_a Q",
        )
    finally:
        env.close()
