"""Fine-tune one cell and measure it; run a suite of cells."""

import datetime
import logging
import math
import os
import time
import traceback
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from simbench import __version__, batching, environment, flops, memory, results
from simbench.cell import Cell
from simbench.timing import StepRecord, Stopwatch
from simbench.token_cache import TokenCache

logger = logging.getLogger(__name__)

EVAL_BATCH_SIZE = 64
PROBE_LENGTH = 256  # pairs longer than this are counted as truncated


class SplitCache:
    """Loads each (dataset, split) once per suite."""

    def __init__(self, plugins, data_dir: Optional[str]):
        self.plugins = plugins
        self.data_dir = data_dir
        self._splits: Dict[tuple, object] = {}

    def get(self, dataset: str, split: str):
        key = (dataset, split)
        if key not in self._splits:
            spec = self.plugins.datasets.get(dataset)
            self._splits[key] = spec.load(split, self.data_dir)
        return self._splits[key]


def _ordered(split, pair_order):
    texts = {"premise": split.premises, "hypothesis": split.hypotheses}
    return texts[pair_order[0]], texts[pair_order[1]]


def _encode_all(loaded, splits: dict, pair_order, recipe,
                cache: Optional[TokenCache] = None) -> tuple:
    """Tokenize every split once (or read it from the token cache); pick the
    sequence length from train."""
    cache = cache or TokenCache(directory=None)
    probe = min(loaded.max_sequence_length,
                max(PROBE_LENGTH, recipe.sequence_length or 0))

    def encode(split, length):
        return cache.encode(loaded.preprocessor, *_ordered(split, pair_order),
                            split.labels, length)

    encoded = {name: encode(split, probe) for name, split in splits.items()}
    length = batching.choose_sequence_length(
        encoded["train"].lengths, recipe.sequence_length, probe
    )
    for name, split in splits.items():
        over = int((encoded[name].lengths > length).sum())
        if length == probe:  # a pair filling the probe may have been cut
            over = int((encoded[name].lengths >= probe).sum())
        if over and length < probe:
            encoded[name] = encode(split, length)
        else:
            encoded[name] = batching.clip(encoded[name], length)
        encoded[name].truncated = over
    policy = ("fixed by recipe" if recipe.sequence_length
              else "99.9th percentile of train pair lengths")
    sequence = {"policy": policy, "max_length": length, "probe_length": probe,
                "bucket_width": batching.BUCKET_WIDTH,
                "token_cache": cache.to_dict()}
    return encoded, sequence


def _compile(model, recipe, total_steps: int) -> None:
    import keras

    optimizer = recipe.build_optimizer(total_steps)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if optimizer is None:  # "task_default": whatever the KerasHub task picks
        if hasattr(model, "backbone") and hasattr(model, "preprocessor"):
            model.compile()
            optimizer = model.optimizer
            loss = model.loss
        else:
            optimizer = keras.optimizers.Adam(5e-5)
    if recipe.optimizer == "adamw":
        optimizer.exclude_from_weight_decay(
            var_names=["bias", "gamma", "beta", "layer_norm", "LayerNorm"]
        )
    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )


def _callbacks(model, train_batches, validation, record: StepRecord,
               epoch_seconds: list):
    import keras

    class StepTimer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            # Keras converts `logs` to Python floats before calling a callback
            # that is not async-safe, so the step has finished by now.
            elapsed = time.perf_counter() - self.start
            rows = len(train_batches.batches[batch])
            record.add(elapsed, rows, train_batches.batch_length(batch))
            self.on_train_batch_end_progress(batch, logs)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()
            self.epoch = epoch

        def on_train_batch_end_progress(self, batch, logs):
            # Keras' progress bar is silent between epochs when stderr is
            # not a terminal; a log line every ~10% keeps long epochs visible.
            every = max(1, len(train_batches) // 10)
            if (batch + 1) % every == 0 or batch + 1 == len(train_batches):
                logger.info("epoch %d: step %d/%d, loss %.4f, %.1f pairs/s",
                            self.epoch + 1, batch + 1, len(train_batches),
                            (logs or {}).get("loss", float("nan")),
                            record.samples_per_second() or 0.0)

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.epoch_start)
            # Validate here rather than through `fit(validation_data=...)`:
            # KerasHub's `fit` would rebuild our batches as a tf.data pipeline.
            scores = evaluate(model, validation)
            logger.info("epoch %d: validation accuracy %.4f, loss %.4f",
                        epoch + 1, scores["accuracy"], scores["loss"])
            if logs is not None:
                logs["val_loss"] = scores["loss"]
                logs["val_accuracy"] = scores["accuracy"]

    return [StepTimer(), keras.callbacks.TerminateOnNaN()]


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _predict_on_batch(model, x):
    import keras

    # The plain Keras method: KerasHub's override would re-run preprocessing.
    return keras.Model.predict_on_batch(model, x)


def evaluate(model, split: batching.EncodedSplit,
             batch_size: int = EVAL_BATCH_SIZE) -> dict:
    """Accuracy, loss, predictions and inference speed on `split`.

    Every batch shape is run once untimed first, so compilation is not
    counted; then all batches are timed end to end.
    """
    batches = batching.make_batches(split, batch_size, shuffle=False)
    warmed = set()
    for index in range(len(batches)):
        x, _ = batches[index]
        shape = next(iter(x.values())).shape
        if shape not in warmed:
            np.asarray(_predict_on_batch(model, x))
            warmed.add(shape)
    parts, batch_ms = [], []
    for index in range(len(batches)):
        x = batches[index][0]
        start = time.perf_counter()
        parts.append(np.asarray(_predict_on_batch(model, x)))  # waits for it
        batch_ms.append((time.perf_counter() - start) * 1000.0)
    seconds = sum(batch_ms) / 1000.0
    order = np.concatenate(batches.batches)
    logits = np.empty((len(split), parts[0].shape[1]), dtype="float32")
    logits[order] = np.concatenate(parts).astype("float32")
    predicted = logits.argmax(axis=1)
    log_probs = _log_softmax(logits)
    loss = -log_probs[np.arange(len(split)), split.labels].mean()
    return {
        "accuracy": float((predicted == split.labels).mean()),
        "loss": float(loss),
        "predicted": predicted,
        "seconds": seconds,
        "samples_per_s": len(split) / seconds if seconds > 0 else None,
        "batch_size": batch_size,
        "batch_ms": [round(ms, 3) for ms in batch_ms],
    }


def count_params(model, backbone) -> dict:
    def size(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    return {
        "total": size(model.weights),
        "trainable": size(model.trainable_weights),
        "backbone": size(backbone.weights),
        "embedding": size(w for w in backbone.weights
                          if "embedding" in w.path.lower()),
    }


def _history(fit_history, epoch_seconds: list) -> List[dict]:
    rows = []
    values = fit_history.history
    for epoch in range(len(epoch_seconds)):
        row = {"epoch": epoch + 1}
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            series = values.get(key, [])
            row[key] = float(series[epoch]) if epoch < len(series) else None
        row["seconds"] = epoch_seconds[epoch]
        rows.append(row)
    return rows


def _diverged(history: List[dict]) -> bool:
    losses = [row["loss"] for row in history if row["loss"] is not None]
    return any(not math.isfinite(loss) for loss in losses)


def run_cell(plugins, cell: Cell, splits: SplitCache, backend: str,
             run_id: str, model_dir: Optional[Path] = None,
             verbose: int = 2) -> dict:
    """Fine-tune `cell` and return its result (see `simbench.results`)."""
    import keras

    earlier_cells = memory.start_cell()
    previous_policy = keras.config.dtype_policy()
    try:
        # Set before the preset loads: its layers take the global policy.
        keras.config.set_dtype_policy(cell.recipe.precision)
        result = _run_cell(plugins, cell, splits, backend, run_id, model_dir,
                           verbose)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    if earlier_cells:
        # Limitation: only a process per cell isolates peak host memory;
        # `--in-process` suites carry the earlier cells' peak along.
        result["caveats"].append(
            f"peak_host_mib is the process peak: {earlier_cells} cell(s) ran "
            "before this one in the same process")
    return result


def _run_cell(plugins, cell: Cell, splits: SplitCache, backend: str,
              run_id: str, model_dir: Optional[Path], verbose: int) -> dict:
    import keras

    watch = Stopwatch()
    load_at_start = environment.load_average()
    recipe = cell.recipe
    dataset = plugins.datasets.get(cell.dataset)
    preset = plugins.get_preset(cell.preset)

    with watch("load_data"):
        limit = cell.limit
        selected = {
            "train": splits.get(cell.dataset, "train").sample(
                recipe.train_fraction, limit, seed=cell.seed),
            # Every cell scores the same pairs, whatever its seed, so that
            # results can be compared example by example.
            "validation": splits.get(cell.dataset, "validation").sample(
                1.0, limit, seed=0),
            "test": splits.get(cell.dataset, "test").sample(1.0, limit, seed=0),
        }
    logger.info("%s: %d train, %d validation, %d test pairs",
                cell.cell_id, *(len(selected[s].labels) for s in selected))
    with watch("load_preset"):
        keras.utils.set_random_seed(cell.seed)
        loaded = preset.load(len(dataset.labels))
    with watch("tokenize"):
        encoded, sequence = _encode_all(loaded, selected, dataset.pair_order,
                                        recipe, TokenCache())

    # Limitation: Keras' TensorFlow backend fixes one batch shape for a
    # PyDataset from its first batches, so there every train batch is padded
    # to the cell's maximum length: correct, but slower than length buckets
    # (recorded in the caveats). JAX and torch take each bucket as it comes.
    width = (sequence["max_length"] if backend == "tensorflow"
             else batching.BUCKET_WIDTH)
    train_batches = batching.make_batches(encoded["train"], recipe.batch_size,
                                          shuffle=True, seed=cell.seed,
                                          width=width)
    total_steps = len(train_batches) * recipe.epochs
    logger.info("%s: %d epoch(s) of %d steps, sequence length %d",
                cell.cell_id, recipe.epochs, len(train_batches),
                sequence["max_length"])
    _compile(loaded.model, recipe, total_steps)

    record, epoch_seconds = StepRecord(), []
    with watch("train"):
        # `keras.Model.fit`, not the KerasHub task's: that one would turn
        # our bucketed batches into a tf.data pipeline of its own.
        fit = keras.Model.fit(
            loaded.model, train_batches, epochs=recipe.epochs, verbose=verbose,
            # Our batches are already shuffled; Keras' own batch shuffling
            # would also break the step-index -> batch-shape mapping.
            shuffle=False,
            callbacks=_callbacks(loaded.model, train_batches,
                                 encoded["validation"], record, epoch_seconds),
        )
    history = _history(fit, epoch_seconds)
    with watch("evaluate"):
        test = evaluate(loaded.model, encoded["test"])

    model_path = None
    if model_dir is not None:
        with watch("save_model"):
            model_path = save_model(loaded, sequence["max_length"],
                                    Path(model_dir) / f"{cell.cell_id}.keras")

    last = history[-1] if history else {}
    status, error, failure = "ok", None, None
    if _diverged(history):
        status, failure = "failed", "diverged"
        error = "diverged: the training loss became NaN or inf; training stopped"
    train_timing = record.to_dict()
    params = count_params(loaded.model, loaded.backbone)
    with watch("measure_peak"):
        train_efficiency = flops.efficiency(record, params, loaded.backbone)
    environment_info = environment.capture(backend)
    environment_info["machine"]["load_average_1m_at_start"] = load_at_start
    plugins.update_run_metadata(environment_info)
    caveats = _caveats(cell, preset, selected, environment_info)
    return {
        **_identity(cell, run_id),
        "status": status,
        "error": error,
        "failure": failure,
        "config": cell.config(),
        "preset": {**preset.to_dict(), **_provided("preset", plugins,
                                                   cell.preset)},
        "recipe": {**recipe.to_dict(), **_provided("recipe", plugins,
                                                   recipe.name)},
        "dataset": {
            **dataset.to_dict(), **_provided("dataset", plugins, cell.dataset),
            "splits": {name: {**split.info, "truncated": encoded[name].truncated}
                       for name, split in selected.items()},
        },
        "sequence": sequence,
        "params": params,
        "efficiency": train_efficiency,
        "metrics": {
            "test_accuracy": test["accuracy"],
            "test_loss": test["loss"],
            "val_accuracy": last.get("val_accuracy"),
            "val_loss": last.get("val_loss"),
            "train_samples_per_s": record.samples_per_second(),
            "infer_samples_per_s": test["samples_per_s"],
            "peak_host_mib": memory.peak_host_mib(),
            "peak_device_mib": memory.peak_device_mib(backend),
        },
        "timing": {
            "train": train_timing,
            "infer": {"batch_size": test["batch_size"],
                      "seconds": test["seconds"], "samples": len(encoded["test"]),
                      "samples_ms": test["batch_ms"]},
            "wall_s": {**watch.phases, "total": watch.total()},
        },
        "history": history,
        "predictions": {
            "test": _digits(test["predicted"]),
            "test_labels": _digits(encoded["test"].labels),
        },
        "model_path": str(model_path) if model_path else None,
        "environment": environment_info,
        "caveats": caveats,
    }


def _digits(labels) -> str:
    """Labels as one digit each: compact, and diffable between results."""
    return "".join(map(str, np.asarray(labels).tolist()))


def _provided(kind: str, plugins, name: str) -> dict:
    info = plugins.provider(kind, name)
    return {"plugin": info["plugin"], "plugin_version": info["version"]}


def _caveats(cell: Cell, preset, selected: dict,
             environment_info: dict) -> List[str]:
    notes = []
    if environment_info["backend"] == "tensorflow":
        notes.append("tensorflow backend: train batches padded to the maximum "
                     "length, not bucketed; slower than on jax")
    if cell.recipe.precision != "float32":
        notes.append(f"{cell.recipe.precision}: 16-bit compute, float32 "
                     "variables; accuracy may differ from float32 runs")
        if environment_info["accelerator"] is None:
            notes.append(f"{cell.recipe.precision} on a CPU: most CPUs have no "
                         "fast 16-bit matrix units, so this is usually slower")
    if not preset.pretrained:
        notes.append("not pretrained: random initial weights")
    if cell.limit is not None:
        notes.append(f"--limit {cell.limit}: splits cut short; not comparable "
                     "with full runs")
    train = selected["train"].info
    if train.get("n_original", 0) < 100_000 and cell.data_source == "local":
        notes.append(f"train split has {train['n_original']} rows: a subset of "
                     "the official 550,152")
    return notes


def save_model(loaded, sequence_length: int, path: Path) -> Path:
    """Save the fine-tuned model as `.keras`, with its preprocessor attached
    so that the file alone classifies raw text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    loaded.preprocessor.sequence_length = sequence_length
    if hasattr(loaded.model, "preprocessor"):
        loaded.model.preprocessor = loaded.preprocessor
    loaded.model.save(path)
    return path


def _identity(cell: Cell, run_id: str) -> dict:
    """The keys every result starts with (see `simbench.results`)."""
    return {
        "schema_version": results.SCHEMA_VERSION,
        "simbench_version": __version__,
        "run_id": run_id,
        "cell_id": cell.cell_id,
        "config_hash": cell.config_hash(),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }


def cell_function():
    """`run_cell`, or the function named by SIMBENCH_CELL_FUNCTION
    ("module:function", same signature). The suite's tests use that to
    exercise process isolation, locking and resumption with fake cells that
    take a fraction of a second."""
    name = os.environ.get("SIMBENCH_CELL_FUNCTION")
    if not name:
        return run_cell
    import importlib

    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def failed_result(cell: Cell, run_id: str, backend: str, error,
                  failure: str = "exception", log_tail: str = None) -> dict:
    """The result of a cell that did not finish: why, and the log's end."""
    if log_tail is None:
        log_tail = traceback.format_exc()
        log_tail = "" if log_tail.startswith("NoneType: None") else log_tail
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return {
        **_identity(cell, run_id),
        "status": "failed",
        "error": message,
        "failure": failure,
        "log_tail": log_tail[-4000:],
        "config": cell.config(),
        "preset": {"name": cell.preset},
        "recipe": cell.recipe.to_dict(),
        "metrics": {},
        "environment": environment.capture(backend),
        "caveats": [],
    }
