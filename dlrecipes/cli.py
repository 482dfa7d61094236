"""``python -m recipes``: list, describe, run and evaluate recipes.

The CLI is thin: it parses arguments and calls :mod:`dlrecipes.runs`; every
command is also a Python call. A mistake a user can make (unknown recipe or key,
wrong type, missing file, offline dataset, NaN loss) prints one line starting
with ``error:`` and exits with status 2, without a traceback.

``list`` and ``list-data`` import neither TensorFlow nor Keras.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from dlrecipes import registry
from dlrecipes.spec import RecipeError, recipe_to_toml
from dlrecipes.spec.errors import MAX_SEED

EXIT_USER_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with the CLI's one error format: a bad argument is one ``error:`` line
    (naming the argument and the value received) and exit status 2, like every other
    user error; ``--help`` shows the usage."""

    def error(self, message: str):
        self.exit(EXIT_USER_ERROR, f"error: {message} (see '{self.prog} --help')\n")


def _seed(text: str) -> int:
    """``--seed``: an integer in NumPy's seed range, checked as it is parsed."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer. Received: {text!r}") from None
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"expected an integer in [0, {MAX_SEED}] (2**32 - 1). Received: {seed}"
        )
    return seed


def _out_root(text: str) -> Path:
    """``--out``: a directory that exists or can be made, checked as it is parsed.

    No part of the path may be a file, and a directory can be created in its nearest
    existing ancestor (tried with a temporary directory, removed at once), so a run
    never trains first and then fails to write its results.
    """
    path = Path(text).expanduser()
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        where = "is a file" if existing == path else f"is under the file {str(existing)!r}"
        raise argparse.ArgumentTypeError(f"expected a directory. Received: {text!r} ({where})")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".dlrecipes-probe-", dir=existing))
    except OSError as error:
        raise argparse.ArgumentTypeError(
            f"expected a writable directory. Received: {text!r} (cannot create directories "
            f"in {str(existing)!r}: {error.strerror or error})"
        ) from None
    return path


def _add_recipe_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="a recipe name, or a path to a .toml / .py recipe file")
    parser.add_argument(
        "--smoke", action="store_true", help="use the recipe's smoke profile (seconds on CPU)"
    )
    parser.add_argument("--profile", help="use a named profile of the recipe")
    parser.add_argument(
        "--config", type=Path, help="a TOML file of overrides shaped like a recipe ([train] ...)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one field, e.g. --set train.learning_rate=0.01 (repeatable)",
    )
    parser.add_argument("--seed", type=_seed, help="the random seed (default: the recipe's)")


def _add_seed_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seeds",
        metavar="SEEDS",
        help="run several seeds and summarise them with 95%% intervals: a range '0-4', "
        "a count '5' (seeds 0-4) or a list '0,3,7'",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="with --seeds: runs at a time (processes of cores/K threads each; default 1)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m recipes``."""
    parser = _Parser(
        prog="python -m recipes",
        description="Classic deep learning, one recipe per architecture.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="every recipe with its lecture and summary")
    listing.add_argument("--lecture", help="only recipes of this lecture (substring match)")
    listing.add_argument("--json", action="store_true", help="print JSON")

    commands.add_parser("list-data", help="the data sources a recipe can name")

    describe = commands.add_parser(
        "describe", help="the resolved recipe as TOML, the model summary and parameter counts"
    )
    _add_recipe_options(describe)

    run = commands.add_parser("run", help="train, evaluate and save a recipe")
    _add_recipe_options(run)
    run.add_argument("--out", type=_out_root, default=Path("runs"), help="root of run directories")
    run.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue an interrupted run")
    run.add_argument(
        "--play",
        type=Path,
        metavar="RUN_DIR",
        help="RL: evaluate the saved agent of RUN_DIR instead of training",
    )
    run.add_argument("--episodes", type=int, default=10, help="with --play: episodes to play")
    run.add_argument(
        "--record",
        type=Path,
        help="with --play: write one episode here as a .gif or an .mp4 (video extra)",
    )
    run.add_argument(
        "--quiet", action="store_true", help="no progress bars (Keras verbose=2: a line per epoch)"
    )
    run.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 when the recipe's expectation is not reached "
        "(with --seeds: on the mean over seeds)",
    )
    _add_seed_options(run)

    tune = commands.add_parser("tune", help="hyperparameter search over the recipe's space")
    _add_recipe_options(tune)
    tune.add_argument("--trials", type=int, help="number of trials (default: the recipe's)")
    tune.add_argument(
        "--tuner",
        choices=("random", "bayesian", "hyperband"),
        help="Keras Tuner's search (default random)",
    )
    tune.add_argument(
        "--engine",
        choices=("keras_tuner", "optuna"),
        default="keras_tuner",
        help="keras_tuner (default) or optuna (a chief-less study in a storage)",
    )
    tune.add_argument(
        "--sampler", choices=("random", "tpe", "gp", "cmaes"), help="optuna: sampler (random)"
    )
    tune.add_argument(
        "--pruner", choices=("none", "median", "hyperband"), help="optuna: pruner (none)"
    )
    tune.add_argument(
        "--storage",
        metavar="URL",
        help="optuna: journal:PATH, sqlite:///PATH (one worker) or postgresql://... "
        "(default: a journal file in the search directory)",
    )
    tune.add_argument(
        "--heartbeat",
        type=int,
        metavar="SECONDS",
        help="optuna with a database: heartbeat interval (default 10; grace 3x)",
    )
    tune.add_argument(
        "--out", type=_out_root, default=Path("runs"), help="root of search directories"
    )
    tune.add_argument(
        "--retrain-best",
        action="store_true",
        help="train the best configuration on train+validation and evaluate on test",
    )
    tune.add_argument("--workers", type=int, default=0, help="distributed: K worker processes")
    tune.add_argument("--fresh", action="store_true", help="start a new search instead of resuming")

    compare = commands.add_parser(
        "compare", help="run a recipe's variants with the same seed, data and budget"
    )
    _add_recipe_options(compare)
    compare.add_argument(
        "--out", type=_out_root, default=Path("runs"), help="root of run directories"
    )
    compare.add_argument("--only", action="append", default=[], help="run only these variants")
    _add_seed_options(compare)
    compare.add_argument(
        "--reference",
        metavar="VARIANT",
        help="with --seeds: the arm the others are tested against (default: the variant "
        "matching the recipe's defaults, else the first)",
    )
    compare.add_argument(
        "--resume", type=Path, metavar="GROUP_DIR", help="complete a compare --seeds directory"
    )

    evaluate = commands.add_parser(
        "evaluate", help="evaluate a saved run on its test split or another data source"
    )
    evaluate.add_argument("run_dir", type=Path, help="a run directory (holds model.keras)")
    evaluate.add_argument("--data", help="another data source, e.g. mnist_idx:DIR")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")

    report = commands.add_parser(
        "report",
        help="one self-contained HTML page of a run, seeds group or comparison (two: side by "
        "side with their differences)",
    )
    report.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="run or group dirs")
    report.add_argument(
        "--output",
        type=Path,
        help="the HTML file (default: DIR/report.html for one directory, report.html here "
        "for several)",
    )

    export = commands.add_parser(
        "export",
        help="a run's inference model as a SavedModel, ONNX or LiteRT artifact, checked "
        "against the Keras model by the format's own runtime",
    )
    export.add_argument("run_dir", type=Path, help="a run directory (supervised or DQN)")
    export.add_argument("--format", required=True, help="saved_model, onnx or litert")
    export.add_argument(
        "--out", type=Path, help="the artifact's path or a directory (default: RUN_DIR/export/)"
    )
    export.add_argument(
        "--examples", type=int, default=256, help="test examples the parity check compares"
    )
    export.add_argument("--atol", type=float, default=1e-4, help="parity: absolute tolerance")
    export.add_argument("--rtol", type=float, default=1e-4, help="parity: relative tolerance")
    export.add_argument("--json", action="store_true", help="print the result as JSON")

    doctor = commands.add_parser(
        "doctor", help="check this set-up: versions, devices and XLA, environments, data, disk"
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    doctor.add_argument(
        "--runs", type=Path, default=Path("runs"), help="the runs directory whose disk is checked"
    )
    return parser


# ----------------------------------------------------------------------------- commands


def cmd_list(args) -> int:
    recipes = registry.all_recipes()
    if args.lecture:
        recipes = [r for r in recipes if args.lecture.lower() in r.lecture.lower()]
    if args.json:
        rows = [
            {"name": r.name, "lecture": r.lecture, "summary": r.summary, "task": r.task}
            for r in recipes
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max((len(r.name) for r in recipes), default=4)
    lecture_width = max((len(r.lecture) for r in recipes), default=7)
    print(f"{'recipe':<{width}}  {'lecture':<{lecture_width}}  summary")
    for recipe in sorted(recipes, key=lambda r: (r.lecture, r.name)):
        print(f"{recipe.name:<{width}}  {recipe.lecture:<{lecture_width}}  {recipe.summary}")
    return 0


def cmd_list_data(args) -> int:
    from dlrecipes.data import SOURCES

    width = max(len(name) for name in SOURCES)
    for name, source in sorted(SOURCES.items()):
        print(f"{name:<{width}}  {source.description}  (e.g. {source.example})")
    return 0


def _recipe_options(args, seed: bool = True) -> dict:
    """How the command line resolves its recipe: ``profile``, ``smoke``, ``config``,
    ``overrides`` (and ``seed``), as the Python API's keyword arguments."""
    options = {
        "profile": args.profile,
        "smoke": args.smoke,
        "config": args.config,
        "overrides": args.overrides,
    }
    return {**options, "seed": args.seed} if seed else options


def _no_seed_with_seeds(args) -> None:
    if args.seed is not None:
        raise RecipeError(f"give either --seed or --seeds, not both. Received: --seed {args.seed}")


def _resolved(args):
    """The recipe named on the command line, resolved once (a :class:`Resolved`)."""
    from dlrecipes.runs import prepare

    return prepare(args.recipe, **_recipe_options(args))


def cmd_describe(args) -> int:
    recipe = _resolved(args).recipe
    print(recipe_to_toml(recipe))
    if recipe.task != "supervised":
        return 0
    from dlrecipes import data
    from dlrecipes.models.build import build_model, parameter_counts
    from dlrecipes.training import precision_policy

    splits = data.load(recipe.data, seed=recipe.seed)
    with precision_policy(recipe.train.mixed_precision):
        model = build_model(recipe, splits)
    print(f"# data: {splits.summary()}")
    model.summary(expand_nested=True)
    counts = parameter_counts(model)
    print(f"trainable parameters: {counts['trainable']:,}")
    print(f"non-trainable parameters: {counts['non_trainable']:,}")
    if "connections" in recipe.reports:  # LeNet-5: connections per layer, as the paper counts
        from dlrecipes.reports.connections import connection_table, format_table

        print(format_table(connection_table(model)))
    from dlrecipes.training.compile_path import choose
    from dlrecipes.training.fit import steps_per_epoch

    epoch_steps = steps_per_epoch(len(splits.x_train), recipe.train.batch_size)
    print(choose(model, recipe.train, epoch_steps).line())
    return 0


def cmd_run(args) -> int:
    from dlrecipes import runs

    if args.play is not None:
        from dlrecipes import rl

        result = rl.play(args.play, episodes=args.episodes, record=args.record)
        print(json.dumps(result, indent=2))
        return 0
    if args.seeds is not None or (args.resume is not None and _is_group(args.resume)):
        return _run_seeds(args)
    if args.jobs != 1:
        raise RecipeError(f"--jobs needs --seeds (one run uses every core). Received: {args.jobs}")
    verbose = 2 if args.quiet else "auto"
    if args.resume is not None:  # run() checks the recipe name and refuses what would change it
        result = runs.run(args.recipe, **_recipe_options(args), resume=args.resume, verbose=verbose)
    else:
        result = runs.run(_resolved(args), out=args.out, verbose=verbose)
    if result.already_completed:
        finished = result.metrics.get("finished_at", "earlier")
        print(f"{result.run_dir} is already complete (finished {finished}): nothing to resume")
        return 0
    print(runs.summary_line(result))
    print(f"report: {runs.write_report(result.run_dir)}")
    if args.check and result.reached is False:
        return 1
    return 0


def _is_group(path: Path) -> bool:
    """Whether ``path`` is a group directory made by ``--seeds`` (it holds group.json)."""
    return (Path(path) / "group.json").is_file()


def _run_seeds(args) -> int:
    """``run NAME --seeds ...`` and ``run --resume GROUP_DIR``: a group of seeds."""
    from dlrecipes.runs import run_seeds

    _no_seed_with_seeds(args)
    resuming = args.resume is not None
    group = run_seeds(
        args.recipe,
        seeds=args.seeds,
        jobs=args.jobs,
        **_recipe_options(args, seed=False),
        out=args.out,
        resume=args.resume if resuming else None,
    )
    if not group.completed:
        return 1
    if args.check and group.summary["expect"].get("reached_on_mean") is False:
        return 1
    return 0


def cmd_evaluate(args) -> int:
    from dlrecipes.runs.saved import evaluate

    result = evaluate(args.run_dir, data=args.data)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['run_dir']} on {result['data']} ({result['examples']} test examples)")
    for name, value in result["metrics"].items():
        print(f"  {name}: {value:.4f}")
    return 0


def _engine_options(args) -> dict:
    optuna_only = {"--sampler": args.sampler, "--pruner": args.pruner, "--storage": args.storage}
    optuna_only["--heartbeat"] = args.heartbeat
    if args.engine == "optuna":
        if args.tuner is not None:
            raise RecipeError(
                f"--tuner chooses Keras Tuner's search; with --engine optuna use --sampler. "
                f"Received: --tuner {args.tuner}"
            )
        return {
            "engine": "optuna",
            "sampler": args.sampler or "random",
            "pruner": args.pruner or "none",
            "storage": args.storage,
            "heartbeat_seconds": args.heartbeat,
        }
    given = [name for name, value in optuna_only.items() if value is not None]
    if given:
        raise RecipeError(f"{', '.join(given)} need --engine optuna")
    return {}


def cmd_tune(args) -> int:
    from dlrecipes import tuning

    try:
        tuning.tune(
            _resolved(args),
            trials=args.trials,
            tuner=args.tuner or "random",
            out=args.out,
            retrain_best=args.retrain_best,
            workers=args.workers or 0,
            fresh=args.fresh,
            **_engine_options(args),
        )
    except KeyboardInterrupt:
        print(
            "interrupted: run the same command again to resume the search "
            "(finished trials are kept)",
            file=sys.stderr,
        )
        return 130
    return 0


def cmd_compare(args) -> int:
    from dlrecipes.runs import compare, compare_seeds

    if args.seeds is not None or args.resume is not None:
        _no_seed_with_seeds(args)
        result = compare_seeds(
            args.recipe,
            seeds=args.seeds,
            jobs=args.jobs,
            reference=args.reference,
            **_recipe_options(args, seed=False),
            out=args.out,
            only=args.only,
            resume=args.resume,
        )
        return 0 if any(r.completed for runs in result.arms.values() for r in runs) else 1
    if args.jobs != 1 or args.reference is not None:
        raise RecipeError("--jobs and --reference need --seeds (one seed runs each arm once)")
    result = compare(
        _resolved(args),
        out=args.out,
        only=args.only,
    )
    failed = [v.name for v in result.variants if v.row.get("status") != "completed"]
    return 1 if failed and len(failed) == len(result.variants) else 0


def cmd_report(args) -> int:
    from dlrecipes.reports.html import render_report
    from dlrecipes.runs import directory

    for path in args.dirs:
        if not path.is_dir():
            raise RecipeError(f"report expects run or group directories. Received: {str(path)!r}")
    output = args.output or (
        args.dirs[0] / "report.html" if len(args.dirs) == 1 else Path("report.html")
    )
    if output.is_dir() or not output.parent.is_dir():
        why = "a directory" if output.is_dir() else "its folder does not exist"
        raise RecipeError(
            f"--output must be a file in an existing folder. Received: {str(output)!r} ({why})"
        )
    try:
        text = render_report(args.dirs)
    except ValueError as error:
        raise RecipeError(str(error)) from None
    directory.write_text(output, text)
    print(f"report: {output}")
    return 0


def cmd_export(args) -> int:
    from dlrecipes.export import ParityError, export

    try:
        result = export(
            args.run_dir,
            args.format,
            args.out,
            examples=args.examples,
            atol=args.atol,
            rtol=args.rtol,
        )
    except ParityError as error:  # the artifact is kept; the command fails
        print("\n".join(error.result.summary_lines()))
        print(f"error: {error}", file=sys.stderr)
        return 1
    lines = [json.dumps(result.as_dict(), indent=2)] if args.json else result.summary_lines()
    print("\n".join(lines))
    return 0


def cmd_doctor(args) -> int:
    from dlrecipes import doctor

    checks = doctor.run_checks(args.runs)
    if args.json:
        print(json.dumps([check.as_dict() for check in checks], indent=2))
    else:
        print(doctor.header())
        print(doctor.report(checks))
    return doctor.exit_status(checks)


COMMANDS = {
    "list": cmd_list,
    "list-data": cmd_list_data,
    "describe": cmd_describe,
    "run": cmd_run,
    "evaluate": cmd_evaluate,
    "tune": cmd_tune,
    "compare": cmd_compare,
    "report": cmd_report,
    "export": cmd_export,
    "doctor": cmd_doctor,
}


#: Lines TensorFlow's native code writes to stderr while it is imported, before its log
#: level applies (the oneDNN notice, CUDA probing): not errors, yet they stood before every
#: ``error:`` line. Only these are dropped; anything else written meanwhile is kept.
_NATIVE_START_UP = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] )"
)


@contextlib.contextmanager
def _native_start_up_filtered():
    """Capture file descriptor 2 (where native code writes) and replay it without the
    :data:`_NATIVE_START_UP` lines."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = [line for line in text.splitlines(True) if not _NATIVE_START_UP.match(line)]
            sys.stderr.write("".join(kept))


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Filters TensorFlow's native start-up lines out of stderr while ``tensorflow`` is
    imported, wherever the library first imports it (lazily: ``list`` never does)."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once, and not for the search below
        for finder in sys.meta_path:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _FilteredLoader(spec.loader)
                return spec
        return None


class _FilteredLoader(importlib.abc.Loader):
    """Runs a loader's ``exec_module`` under :func:`_native_start_up_filtered`, then puts
    the original loader back on the module."""

    def __init__(self, loader):
        self.loader = loader

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        try:
            with _native_start_up_filtered():
                self.loader.exec_module(module)
        finally:
            module.__loader__ = self.loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self.loader


def _quiet_native_logs() -> None:
    """TensorFlow's C++ logs at ERROR level and above only, and without its start-up lines.

    ``TF_CPP_MIN_LOG_LEVEL=3`` (unless set by the user) silences what TensorFlow logs once
    its logging is up (e.g. ``failed call to cuInit`` on a machine without a GPU); the
    lines it writes before that are filtered while it is imported.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules or os.environ.get("KERAS_BACKEND", "tensorflow") != (
        "tensorflow"
    ):
        return
    if not any(isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (2 for a user error, without a traceback).

    A user error is a :class:`RecipeError` raised where the input enters (recipe, data
    source, saved files, arguments); it prints one ``error:`` line. Anything else is a
    bug and keeps its traceback.
    """
    _quiet_native_logs()
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except RecipeError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted: continue a run with --resume RUN_DIR", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (``list | head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
