"""The `simbench` command line. Thin: parse, call the library, print.

Only this module prints. Tables, JSON and result paths go to stdout;
progress, logs and Keras' progress bars go to stderr.
"""

import contextlib
import functools
import importlib.util
import json
import logging
import os
import signal
import sys

import click

from simbench.errors import SimbenchError
from simbench.recipes import PRECISIONS

logger = logging.getLogger("simbench")

DEFAULT_PRESETS = ("minilm_l6_h384_uncased", "bert_tiny_scratch")
DEFAULT_RECIPES = ("adam_5e-5",)
DEFAULT_OUTPUT = os.path.join("results", "local")
BACKENDS = ("jax", "tensorflow", "torch")


def _setup_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    level = os.environ.get("SIMBENCH_LOG_LEVEL", level)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("absl", "jax", "tensorflow", "h5py"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _user_errors(command):
    """Turn `SimbenchError` into one line on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SimbenchError as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def _plugins():
    from simbench.plugins import load_plugins

    plugins = load_plugins()
    if not plugins.infos:
        raise SimbenchError(
            "No simbench plugins found: install simbench (pip install -e .) so "
            "its built-in plugins' entry points exist, and check "
            "SIMBENCH_LOAD_PLUGINS if it is set."
        )
    return plugins


@click.group()
@click.version_option(package_name="simbench")
def cli():
    """Benchmark pretrained text encoders x optimizer recipes on SNLI.

    \b
    Quick start (offline, on the local SNLI copy):
      simbench run --data-dir ../shared/data/snli_1.0 --limit 2000
      simbench report
    \b
    More:
      simbench list                  presets, recipes, datasets
      simbench run --preset roberta_base_en --recipe adam_5e-5
      simbench predict MODEL.keras -p "A man sleeps." -h "A person rests."
    """


def _positive_fraction(ctx, param, value):
    if value is not None and not 0.0 < value <= 1.0:
        raise click.BadParameter(f"must be in (0, 1]; received {value}.")
    return value


def _positive_int(ctx, param, value):
    if value is not None and value < 1:
        raise click.BadParameter(f"must be at least 1; received {value}.")
    return value


def _set_backend(backend: str) -> None:
    if importlib.util.find_spec(backend) is None:
        raise SimbenchError(
            f"The {backend} backend needs the '{backend}' package, which is "
            f"not installed: pip install {backend} (or pick another --backend)."
        )
    loaded = sys.modules.get("keras")
    if loaded is not None and loaded.backend.backend() != backend:
        raise SimbenchError(
            f"Keras is already loaded with the {loaded.backend.backend()} "
            f"backend; cannot switch to {backend} in this process."
        )
    os.environ["KERAS_BACKEND"] = backend


@cli.command(name="run")
@click.option("--preset", "presets", multiple=True,
              help="Preset name or folder; repeat for several. "
              f"Default: {', '.join(DEFAULT_PRESETS)}.")
@click.option("--recipe", "recipes", multiple=True,
              help=f"Recipe name; repeat for several. Default: "
              f"{', '.join(DEFAULT_RECIPES)}.")
@click.option("--seed", "seeds", type=click.IntRange(min=0), multiple=True,
              help="Seed (0 or more); repeat for several. Default: 0.")
@click.option("--dataset", default="snli", show_default=True)
@click.option("--data-dir", envvar="SIMBENCH_DATA_DIR", type=click.Path(),
              help="Folder in the official snli_1.0 jsonl layout (env "
              "SIMBENCH_DATA_DIR). Without it SNLI is downloaded with TFDS.")
@click.option("--train-fraction", type=float, callback=_positive_fraction,
              help="Share of the train split, in (0, 1]. Default: the recipe's.")
@click.option("--epochs", type=int, callback=_positive_int,
              help="Override the recipe's epochs.")
@click.option("--batch-size", type=int, callback=_positive_int,
              help="Override the recipe's batch size.")
@click.option("--precision", type=click.Choice(PRECISIONS),
              help="Override the recipe's Keras dtype policy (mixed_* for "
              "accelerators).")
@click.option("--limit", type=int, callback=_positive_int,
              help="At most this many pairs per split (for quick looks; "
              "marked in results).")
@click.option("--backend", type=click.Choice(BACKENDS), default="jax",
              show_default=True, help="Keras backend.")
@click.option("--output", default=DEFAULT_OUTPUT, show_default=True,
              type=click.Path(), help="Results folder.")
@click.option("--force", is_flag=True, help="Redo finished cells (the old "
              "results move to superseded/).")
@click.option("--save-models", is_flag=True,
              help="Save each fine-tuned model as .keras under OUTPUT/models.")
@click.option("--in-process", is_flag=True,
              help="Run cells in this process instead of one worker process "
              "each: starts faster, but a crashing cell stops the suite.")
@click.option("-q", "--quiet", "quiet", is_flag=True, help="Less output.")
@click.option("-v", "--verbose", "verbose", is_flag=True, help="More output.")
@_user_errors
def run_command(presets, recipes, seeds, dataset, data_dir, train_fraction,
                epochs, batch_size, precision, limit, backend, output, force,
                save_models, in_process, quiet, verbose):
    """Fine-tune every preset x recipe x seed and store one result each."""
    _setup_logging(-1 if quiet else (1 if verbose else 0))
    _set_backend(backend)
    from simbench.cell import Cell
    from simbench.suite import Interrupted, run_suite

    plugins = _plugins()
    plugins.datasets.get(dataset)
    chosen = [plugins.recipes.get(name).with_overrides(
        train_fraction=train_fraction, epochs=epochs, batch_size=batch_size,
        precision=precision)
        for name in recipes or DEFAULT_RECIPES]
    for name in presets or DEFAULT_PRESETS:
        plugins.get_preset(name)  # unknown names fail before any work
    source = "local" if data_dir else "tfds"
    cells = [Cell(preset, recipe, dataset, seed, source, limit)
             for preset in presets or DEFAULT_PRESETS
             for recipe in chosen for seed in seeds or (0,)]
    keras_verbose = 0 if quiet else (1 if sys.stderr.isatty() else 2)
    if quiet:
        os.environ["SIMBENCH_LOG_LEVEL"] = "WARNING"  # workers inherit it
    counts = {"ok": 0, "failed": 0, "skipped": 0}
    stdout = click.get_text_stream("stdout")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # Keras prints progress
            outcomes = run_suite(plugins, cells, output, data_dir=data_dir,
                                 backend=backend, force=force,
                                 save_models=save_models, verbose=keras_verbose,
                                 isolate=not in_process, echo=_echo_stderr)
            for index, outcome in enumerate(outcomes, start=1):
                counts[outcome.status] += 1
                click.echo(_summary_line(index, len(cells), outcome), file=stdout)
                stdout.flush()
    except (KeyboardInterrupt, Interrupted):
        click.echo(f"Interrupted: the cell in progress was abandoned; "
                   f"the {counts['ok']} cell(s) finished this time and all "
                   f"earlier results are kept in {output}. Run the same "
                   "command again to "
                   "finish the rest.", err=True)
        sys.exit(130)
    click.echo(f"{counts['ok']} ok, {counts['failed']} failed, "
               f"{counts['skipped']} skipped. Results in {output}; "
               f"see 'simbench report {output}'.")
    if counts["failed"]:
        sys.exit(1)


def _interrupt(signum, frame):
    from simbench.suite import Interrupted

    raise Interrupted(signal.Signals(signum).name)


def _echo_stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _summary_line(index: int, total: int, outcome) -> str:
    head = f"[{index}/{total}] {outcome.cell.preset} x {outcome.cell.recipe.name} "
    head += f"seed {outcome.cell.seed}: {outcome.status}"
    metrics = (outcome.result or {}).get("metrics", {})
    if outcome.status == "failed":
        return f"{head} ({outcome.result.get('error')}) -> {outcome.path}"
    if metrics.get("test_accuracy") is not None:
        head += f", test acc {100 * metrics['test_accuracy']:.2f}%"
        if metrics.get("train_samples_per_s"):
            head += f", train {metrics['train_samples_per_s']:.1f} pairs/s"
    if outcome.status == "ok":
        head += f", {outcome.seconds:.0f}s"
    return f"{head} -> {outcome.path}"


@cli.command(name="list")
@click.argument("kind", required=False,
                type=click.Choice(["presets", "recipes", "datasets"]))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_user_errors
def list_command(kind, as_json):
    """List registered presets, recipes and datasets, with their plugin."""
    from tabulate import tabulate

    plugins = _plugins()
    registries = {"presets": plugins.presets, "recipes": plugins.recipes,
                  "datasets": plugins.datasets}
    kinds = [kind] if kind else list(registries)
    listing = {}
    for name in kinds:
        registry = registries[name]
        listing[name] = [{**entry.to_dict(),
                          "plugin": registry.provider(entry.name)}
                         for entry in registry]
    if as_json:
        click.echo(json.dumps(listing, indent=1))
        return
    for name in kinds:
        rows = [_list_row(name, entry) for entry in listing[name]]
        click.echo(f"{name} ({len(rows)}):")
        click.echo(tabulate(rows, headers="keys", tablefmt="simple"))
        click.echo()


def _list_row(kind: str, entry: dict) -> dict:
    if kind == "presets":
        return {"name": entry["name"], "architecture": entry["architecture"],
                "pretrained": "yes" if entry["pretrained"] else "no (scratch)",
                "plugin": entry["plugin"], "description": entry["description"]}
    if kind == "recipes":
        return {"name": entry["name"], "optimizer": entry["optimizer"],
                "lr": entry["learning_rate"], "schedule": entry["schedule"],
                "epochs": entry["epochs"], "batch": entry["batch_size"],
                "train frac": entry["train_fraction"],
                "precision": entry["precision"], "plugin": entry["plugin"]}
    return {"name": entry["name"], "labels": ", ".join(entry["labels"]),
            "plugin": entry["plugin"], "description": entry["description"]}


@cli.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_user_errors
def plugins_command(as_json):
    """Show every plugin found, its package version, and any load error."""
    import dataclasses

    from tabulate import tabulate

    infos = [dataclasses.asdict(i) for i in _plugins().infos]
    if as_json:
        click.echo(json.dumps(infos, indent=1))
        return
    click.echo(tabulate(infos, headers="keys", tablefmt="simple"))


@cli.command(name="report")
@click.argument("results_dir", required=False, default=DEFAULT_OUTPUT,
                type=click.Path())
@click.option("--format", "fmt",
              type=click.Choice(["md", "plain", "csv", "json", "html"]),
              default="plain", show_default=True,
              help="html: one self-contained page with the plots inline "
              "(written to --output, default RESULTS_DIR/report.html).")
@click.option("--output", "output_file", type=click.Path(),
              help="Also write the report to this file.")
@click.option("--plots", is_flag=True,
              help="Write PNG plots next to --output (or into RESULTS_DIR).")
@click.option("--time-to-accuracy", "target", type=float,
              help="Add a column: train time until validation accuracy first "
              "reaches this fraction, e.g. 0.75.")
@_user_errors
def report_command(results_dir, fmt, output_file, plots, target):
    """Leaderboard of the results in RESULTS_DIR, best test accuracy first."""
    _setup_logging(-1)
    from simbench import leaderboard, results, tables

    if target is not None and not 0 < target <= 1:
        raise SimbenchError(f"--time-to-accuracy must be in (0, 1]; received "
                            f"{target}.")
    found, skipped = results.load_results(results_dir)
    if not found:
        raise SimbenchError(f"No results in '{results_dir}'. Run 'simbench run "
                            f"--output {results_dir}' first.")
    for message in skipped:
        click.echo(f"warning: skipped {message}", err=True)
    board = leaderboard.build(found, target=target)
    if fmt == "html":
        output_file = output_file or os.path.join(results_dir, "report.html")
        plots = True
    text = tables.render(board, fmt)
    if plots:
        from simbench import plots as plotting

        folder = os.path.dirname(output_file) if output_file else results_dir
        images = plotting.write_plots(board, found, folder or ".")
        for path in images.values():
            click.echo(f"Wrote {path}", err=True)
        if fmt == "html":
            text = plotting.html_report(
                board, text, images,
                [tables.machine_line(m) for m in board["machines"]], tables.NOTES)
    if fmt != "html":
        click.echo(text, nl=False)
    if output_file:
        with open(output_file, "w", encoding="utf-8") as file:
            file.write(text)
        click.echo(f"Wrote {output_file}", err=True)


@cli.command(name="compare")
@click.argument("baseline")
@click.argument("candidate")
@click.option("--format", "fmt", type=click.Choice(["md", "plain", "csv", "json"]),
              default="plain", show_default=True)
@click.option("--threshold", type=float, default=0.10, show_default=True,
              help="Smallest change in median step time to flag (0.10 = 10%).")
@click.option("--allow-different-machines", is_flag=True,
              help="Give timing verdicts even when the runs were measured on "
              "different machines.")
@click.option("--results-root", default="results", show_default=True,
              type=click.Path(), help="Where run names are looked up.")
@_user_errors
def compare_command(baseline, candidate, fmt, threshold,
                    allow_different_machines, results_root):
    """Compare two runs (folders or run names); exit 1 on any regression.

    Accuracy: McNemar's test on the same test pairs plus a bootstrap interval
    of the difference. Speed: flagged when the median step time moves by more
    than --threshold and a Mann-Whitney U test finds the change significant.
    """
    _setup_logging(-1)
    from simbench import compare, tables

    if not 0 < threshold < 10:
        raise SimbenchError(f"--threshold must be a fraction such as 0.1; "
                            f"received {threshold}.")
    comparison = compare.compare(
        compare.load_run(baseline, results_root),
        compare.load_run(candidate, results_root),
        threshold=threshold, allow_different_machines=allow_different_machines)
    click.echo(tables.render_comparison(comparison, fmt), nl=False)
    if comparison["regressions"]:
        sys.exit(1)


@cli.command(name="predict")
@click.argument("model_path", type=click.Path(exists=True, dir_okay=False))
@click.option("-p", "--premise", "premises", multiple=True, required=True)
@click.option("-h", "--hypothesis", "hypotheses", multiple=True, required=True)
@click.option("--dataset", default="snli", show_default=True,
              help="Dataset the model was fine-tuned on (for label names).")
@click.option("--backend", type=click.Choice(BACKENDS), default="jax",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_user_errors
def predict_command(model_path, premises, hypotheses, dataset, backend, as_json):
    """Classify premise/hypothesis pairs with a model saved by --save-models."""
    if len(premises) != len(hypotheses):
        raise SimbenchError(f"Got {len(premises)} premise(s) but "
                            f"{len(hypotheses)} hypothesis(es); pass them in pairs.")
    _setup_logging(-1)
    _set_backend(backend)
    from simbench.predict import load_classifier, predict_pairs

    spec = _plugins().datasets.get(dataset)
    model = load_classifier(model_path)
    rows = predict_pairs(model, spec, list(premises), list(hypotheses))
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        probs = ", ".join(f"{k} {v:.3f}" for k, v in row["probabilities"].items())
        click.echo(f"{row['label']}\t({probs})\t{row['premise']} | "
                   f"{row['hypothesis']}")


def main():
    cli(prog_name="simbench")
