"""Side-by-side throughput: the same checkpoint and data slice, three ways.

    python benchmarks/side_by_side.py --pairs 1024 --output benchmarks/results

Contenders, each in a process of its own, on `minilm_l6_h384_uncased` (the
all-MiniLM-L6-v2 Hugging Face checkpoint), the same SNLI train and test
pairs, batch size 16 for training and 64 for inference, Adam 5e-5, one epoch:

- reference: a KerasHub `TextClassifier.from_preset` fed raw strings, with the
  preset's default preprocessor (fixed padding), `Task.fit` / `Task.predict`.
- simbench: `simbench.runner.run_cell`, the product's own path (token cache,
  length buckets, compiled steps).
- simbench_same_order: simbench's model, token arrays, padding and compiled
  step, fed the reference's batches in the reference's order. It isolates
  the pipeline from batch order: its accuracy should match the reference's
  (padding is masked), while `simbench`'s own length-grouped batches give a
  different, equally valid, sample of training noise.
- pytorch: a plain PyTorch loop on the same checkpoint through Hugging Face
  transformers, pre-tokenized, padded per batch (dynamic padding).

Each reports train samples/s over steady-state steps (the first two steps,
which compile, are left out), inference samples/s over the whole test slice
after a warm-up batch, test accuracy after the same number of steps, model
FLOPs per train step and the share of the machine's matmul peak, measured in
the same process. `--scaling` adds simbench runs on larger slices to show
that throughput does not depend on the number of training pairs.
Needs `pip install torch==2.13.0 transformers` for the PyTorch contender.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CONTENDERS = ("reference", "simbench", "simbench_same_order", "pytorch")
TRAIN_BATCH = 16
INFER_BATCH = 64
LEARNING_RATE = 5e-5
WARMUP_STEPS = 2
SEED = 0


def load_slice(data_dir: str, pairs: int):
    """The same train and test pairs for every contender; train in one fixed
    shuffled order (simbench reorders it into length buckets itself)."""
    import simbench_snli
    from simbench.plugins import load_plugins

    dataset = load_plugins(extra=[simbench_snli],
                           entry_points=False).datasets.get("snli")
    train = dataset.load("train", data_dir).sample(1.0, pairs, seed=SEED)
    test = dataset.load("test", data_dir).sample(1.0, pairs, seed=0)
    order = np.random.default_rng(SEED).permutation(len(train))
    return train.subset(order), test


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _steady_rate(step_seconds, batch_sizes):
    steady = list(zip(step_seconds, batch_sizes))[WARMUP_STEPS:]
    return sum(b for _, b in steady) / sum(s for s, _ in steady)


def _model_flops(params_total, params_embedding, lengths, batch_sizes):
    from simbench.flops import train_step_flops

    return [train_step_flops(params_total - params_embedding, 6, 384, b, n)
            for b, n in zip(batch_sizes, lengths)]


def _minilm_without_dropout(preprocessor):
    """MiniLM with a 3-class head and every dropout rate at 0, built the same
    way (same random draws) for each Keras contender that asks for it: then
    their runs differ only in padding, and their predictions should agree."""
    import keras
    import keras_hub

    from simbench_keras_hub.loading import require_minilm_folder

    keras.utils.set_random_seed(SEED)
    backbone = keras_hub.models.Backbone.from_preset(require_minilm_folder(),
                                                     dropout=0.0)
    return keras_hub.models.BertTextClassifier(
        backbone, num_classes=3, preprocessor=preprocessor, dropout=0.0)


def run_reference(args) -> dict:
    import keras
    import keras_hub

    from simbench import flops
    from simbench_keras_hub.loading import require_minilm_folder

    train, test = load_slice(args.data_dir, args.pairs)
    keras.utils.set_random_seed(SEED)
    start = time.perf_counter()
    if args.dropout_off:
        model = _minilm_without_dropout(
            keras_hub.models.TextClassifierPreprocessor.from_preset(
                require_minilm_folder()))
    else:
        model = keras_hub.models.TextClassifier.from_preset(
            require_minilm_folder(), num_classes=3)
    load_s = time.perf_counter() - start
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    steps = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            steps.append(time.perf_counter() - self.start)

    x = (np.array(train.hypotheses), np.array(train.premises))
    model.fit(x=x, y=train.labels, batch_size=TRAIN_BATCH, epochs=1, verbose=0,
              callbacks=[Timer()])
    batches = [TRAIN_BATCH] * len(steps)
    length = model.preprocessor.sequence_length
    test_x = (np.array(test.hypotheses), np.array(test.premises))
    model.predict((test_x[0][:INFER_BATCH], test_x[1][:INFER_BATCH]),
                  batch_size=INFER_BATCH, verbose=0)  # compile
    start = time.perf_counter()
    logits = model.predict(test_x, batch_size=INFER_BATCH, verbose=0)
    infer_s = time.perf_counter() - start
    params = _keras_params(model)
    step_flops = _model_flops(params["total"], params["embedding"],
                              [length] * len(steps), batches)
    return _report("reference", steps, batches, step_flops, logits, test,
                   infer_s, load_s, flops.matmul_peak_flops(),
                   f"fixed {length} tokens (the preset's default)", params)


def _keras_params(model) -> dict:
    backbone = model.backbone
    embedding = sum(int(np.prod(w.shape)) for layer in backbone.layers
                    if "embedding" in layer.name for w in layer.weights)
    return {"total": int(model.count_params()), "embedding": embedding}


def run_simbench(args) -> dict:
    import simbench_keras_hub
    import simbench_recipes
    import simbench_snli
    from simbench import runner
    from simbench.cell import Cell
    from simbench.plugins import load_plugins

    plugins = load_plugins(extra=[simbench_keras_hub, simbench_recipes,
                                  simbench_snli], entry_points=False)
    recipe = plugins.recipes.get("adam_5e-5").with_overrides(train_fraction=1.0)
    cell = Cell("minilm_l6_h384_uncased", recipe, "snli", SEED, "local",
                limit=args.pairs)
    result = runner.run_cell(plugins, cell,
                             runner.SplitCache(plugins, args.data_dir), "jax",
                             "side-by-side", verbose=0)
    _, test = load_slice(args.data_dir, args.pairs)
    train = result["timing"]["train"]
    efficiency = result["efficiency"]
    predicted = np.array(list(result["predictions"]["test"]), dtype=int)
    return {
        "contender": "simbench",
        "pairs": args.pairs,
        "train_samples_per_s": result["metrics"]["train_samples_per_s"],
        "train_step_ms_median": train["step_ms"]["median"],
        "steps": train["steps"],
        "infer_samples_per_s": result["metrics"]["infer_samples_per_s"],
        "test_accuracy": float((predicted == test.labels).mean()),
        "predictions": result["predictions"]["test"],
        "padding": f"length buckets of {result['sequence']['bucket_width']} "
                   f"tokens, cap {result['sequence']['max_length']}",
        "train_step_gflops_median": efficiency["train_step_gflops_median"],
        "achieved_gflops_per_s": efficiency["achieved_gflops_per_s"],
        "matmul_peak_gflops_per_s": efficiency["matmul_peak_gflops_per_s"],
        "fraction_of_peak": efficiency["fraction_of_peak"],
        "load_s": result["timing"]["wall_s"]["load_preset"],
        "tokenize_s": result["timing"]["wall_s"]["tokenize"],
        "token_cache": result["sequence"]["token_cache"],
        "peak_rss_mib": _peak_rss_mib(),
    }


def run_simbench_same_order(args) -> dict:
    import keras

    import simbench_keras_hub
    import simbench_recipes
    from simbench import batching, flops, runner
    from simbench.plugins import load_plugins
    from simbench.timing import StepRecord

    plugins = load_plugins(extra=[simbench_keras_hub, simbench_recipes],
                           entry_points=False)
    train, test = load_slice(args.data_dir, args.pairs)
    recipe = plugins.recipes.get("adam_5e-5")
    keras.utils.set_random_seed(SEED)
    start = time.perf_counter()
    loaded = plugins.get_preset("minilm_l6_h384_uncased").load(3)
    if args.dropout_off:
        loaded.model = _minilm_without_dropout(None)
        loaded.backbone = loaded.model.backbone
    load_s = time.perf_counter() - start
    encoded, sequence = runner._encode_all(
        loaded, {"train": train, "test": test}, ("hypothesis", "premise"), recipe)
    batches = batching.make_batches(encoded["train"], TRAIN_BATCH)
    # The reference's batches: consecutive pairs of the shuffled slice.
    batches.batches = [np.arange(i, min(i + TRAIN_BATCH, len(train)))
                       for i in range(0, len(train), TRAIN_BATCH)]
    runner._compile(loaded.model, recipe, len(batches.batches))
    record = StepRecord()

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            record.add(time.perf_counter() - self.start,
                       len(batches.batches[batch]), batches.batch_length(batch))

    keras.Model.fit(loaded.model, batches, epochs=1, verbose=0, shuffle=False,
                    callbacks=[Timer()])
    scores = runner.evaluate(loaded.model, encoded["test"], INFER_BATCH)
    params = runner.count_params(loaded.model, loaded.backbone)
    efficiency = flops.efficiency(record, params, loaded.backbone)
    predicted = "".join(map(str, scores["predicted"].tolist()))
    return {
        "contender": "simbench_same_order",
        "pairs": args.pairs,
        "train_samples_per_s": record.samples_per_second(),
        "train_step_ms_median": float(np.median(record.steady())),
        "steps": len(record.ms),
        "infer_samples_per_s": scores["samples_per_s"],
        "test_accuracy": scores["accuracy"],
        "predictions": predicted,
        "padding": f"the reference's batches, padded to buckets of "
                   f"{batching.BUCKET_WIDTH} tokens",
        **{key: efficiency[key] for key in (
            "train_step_gflops_median", "achieved_gflops_per_s",
            "matmul_peak_gflops_per_s", "fraction_of_peak")},
        "load_s": load_s,
        "params": params,
        "peak_rss_mib": _peak_rss_mib(),
    }


def run_pytorch(args) -> dict:
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer,
                              DataCollatorWithPadding)

    from simbench_keras_hub.loading import require_minilm_folder

    train, test = load_slice(args.data_dir, args.pairs)
    torch.manual_seed(SEED)
    folder = require_minilm_folder()
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder,
                                                               num_labels=3)
    load_s = time.perf_counter() - start
    collate = DataCollatorWithPadding(tokenizer)

    def encoded(split):
        tokens = tokenizer(split.hypotheses, split.premises, truncation=True,
                           max_length=512)
        return [{k: tokens[k][i] for k in tokens} for i in range(len(split))]

    train_rows, test_rows = encoded(train), encoded(test)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    labels = torch.tensor(train.labels, dtype=torch.long)
    model.train()
    steps, batches, lengths = [], [], []
    for first in range(0, len(train_rows), TRAIN_BATCH):
        start = time.perf_counter()
        batch = collate(train_rows[first:first + TRAIN_BATCH])
        logits = model(**batch).logits
        loss = loss_fn(logits, labels[first:first + TRAIN_BATCH])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        steps.append(time.perf_counter() - start)
        batches.append(len(batch["input_ids"]))
        lengths.append(batch["input_ids"].shape[1])
    model.eval()

    def predict(rows):
        parts = []
        with torch.inference_mode():
            for first in range(0, len(rows), INFER_BATCH):
                parts.append(model(**collate(rows[first:first + INFER_BATCH]))
                             .logits.numpy())
        return np.concatenate(parts)

    predict(test_rows[:INFER_BATCH])  # warm-up
    start = time.perf_counter()
    logits = predict(test_rows)
    infer_s = time.perf_counter() - start
    total = sum(p.numel() for p in model.parameters())
    embedding = sum(p.numel() for n, p in model.named_parameters()
                    if "embeddings" in n)
    step_flops = _model_flops(total, embedding, lengths, batches)
    return _report("pytorch", steps, batches, step_flops, logits, test, infer_s,
                   load_s, _torch_peak(), "per batch, to its longest pair",
                   {"total": total, "embedding": embedding})


def _torch_peak(size=1024, repeats=50) -> float:
    """The same measurement as `simbench.flops.matmul_peak_flops`, in torch."""
    import torch

    a, b = torch.ones(size, size), torch.full((size, size), 0.5)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best


def _report(name, steps, batches, step_flops, logits, test, infer_s, load_s,
            peak, padding, params) -> dict:
    predicted = np.asarray(logits).argmax(axis=1)
    steady = slice(WARMUP_STEPS, None)
    achieved = sum(step_flops[steady]) / sum(steps[steady])
    return {
        "contender": name,
        "pairs": len(test),
        "train_samples_per_s": _steady_rate(steps, batches),
        "train_step_ms_median": float(np.median(steps[steady])) * 1000.0,
        "steps": len(steps),
        "infer_samples_per_s": len(test) / infer_s,
        "test_accuracy": float((predicted == test.labels).mean()),
        "predictions": "".join(map(str, predicted.tolist())),
        "padding": padding,
        "train_step_gflops_median": float(np.median(step_flops)) / 1e9,
        "achieved_gflops_per_s": achieved / 1e9,
        "matmul_peak_gflops_per_s": peak / 1e9,
        "fraction_of_peak": achieved / peak,
        "load_s": load_s,
        "params": params,
        "peak_rss_mib": _peak_rss_mib(),
    }


RUNNERS = {"reference": run_reference, "simbench": run_simbench,
           "simbench_same_order": run_simbench_same_order,
           "pytorch": run_pytorch}


def _run_contender(name: str, args, pairs: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = [sys.executable, __file__, "--contender", name, "--pairs",
                   str(pairs), "--data-dir", args.data_dir, "--json", str(out)]
        if args.dropout_off:
            command.append("--dropout-off")
        env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3",
                   SIMBENCH_CACHE_DIR=str(Path(folder) / "tokens"))
        print(f"running {name} on {pairs} pairs ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True)
        result = json.loads(out.read_text())
        result["process_wall_s"] = time.perf_counter() - start
        return result


def render(rows, environment) -> str:
    from tabulate import tabulate

    from simbench import stats

    by_name = {r["contender"]: r for r in rows if r["contender"] in CONTENDERS}
    torch_row, reference = by_name.get("pytorch"), by_name.get("reference")
    table = []
    for row in rows:
        ratio = lambda key, base: (f"{row[key] / base[key]:.2f}x"  # noqa: E731
                                   if base else "-")
        accuracy_note = "-"
        if reference and row is not reference and row["pairs"] == reference["pairs"]:
            a = np.frombuffer(reference["predictions"].encode(), "u1")
            b = np.frombuffer(row["predictions"].encode(), "u1")
            truth = np.frombuffer(row["labels"].encode(), "u1")
            paired = stats.paired_accuracy(a == truth, b == truth)
            agree = float((a == b).mean())
            accuracy_note = (f"{100 * paired.difference:+.2f} pts, 95% CI "
                             f"{100 * paired.ci_low:+.1f} to "
                             f"{100 * paired.ci_high:+.1f} (McNemar "
                             f"p={paired.p_value:.2f}; same prediction on "
                             f"{100 * agree:.0f}%)")
        table.append([
            row["contender"], row["pairs"], row["padding"],
            f"{row['train_samples_per_s']:.1f}", ratio("train_samples_per_s",
                                                      torch_row),
            ratio("train_samples_per_s", reference),
            f"{row['infer_samples_per_s']:.1f}", ratio("infer_samples_per_s",
                                                      torch_row),
            ratio("infer_samples_per_s", reference),
            f"{100 * row['test_accuracy']:.2f}", accuracy_note,
            f"{row['train_step_gflops_median']:.1f}",
            f"{row['achieved_gflops_per_s']:.1f}",
            f"{100 * row['fraction_of_peak']:.1f}%",
            f"{row['matmul_peak_gflops_per_s']:.0f}",
            f"{row['peak_rss_mib']:.0f}",
        ])
    headers = ["contender", "pairs", "padding", "train pairs/s", "vs PyTorch",
               "vs reference", "infer pairs/s", "vs PyTorch", "vs reference",
               "test acc", "vs reference", "GFLOPs/step", "GFLOP/s",
               "of peak", "matmul peak GFLOP/s", "peak RSS MiB"]
    machine = environment["machine"]
    return (tabulate(table, headers=headers, tablefmt="github",
                     disable_numparse=True)
            + f"\n\nMeasured on {machine['cpu']} ({machine['cores']} cores, "
              f"{machine['memory_gib']} GiB, load average "
              f"{machine['load_average_1m']:.2f} at the end), no accelerator, "
              f"{environment['captured_at']}; keras "
              f"{environment['packages']['keras']}, jax "
              f"{environment['packages']['jax']}, torch "
              f"{environment['packages']['torch']}. One epoch, batch "
              f"{TRAIN_BATCH}, Adam {LEARNING_RATE}; inference batch "
              f"{INFER_BATCH}. Throughput excludes the first {WARMUP_STEPS} "
              "steps (compilation). GFLOPs/step: model FLOPs on the padded "
              "batch (simbench.flops).\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1024)
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"
                                                  / "snli_1.0"))
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--scaling", type=int, nargs="*", default=[],
                        help="also run simbench on these train slice sizes")
    parser.add_argument("--output", help="folder for side_by_side.{md,json}")
    parser.add_argument("--dropout-off", action="store_true",
                        help="reference and simbench_same_order only: no "
                        "dropout, one construction, so that their accuracy "
                        "differs by padding alone")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dropout_off and not args.contender and not set(
            args.contenders.split(",")) <= {
            "reference", "simbench_same_order"}:
        parser.error("--dropout-off goes with --contenders "
                     "reference,simbench_same_order")
    if args.contender:  # a child process: one contender, result to --json
        result = RUNNERS[args.contender](args)
        Path(args.json).write_text(json.dumps(result))
        return
    from simbench import environment

    _, test = load_slice(args.data_dir, args.pairs)
    labels = "".join(map(str, test.labels.tolist()))
    rows = []
    for name in args.contenders.split(","):
        rows.append({**_run_contender(name, args, args.pairs), "labels": labels})
    for pairs in args.scaling:
        _, scaled_test = load_slice(args.data_dir, pairs)
        rows.append({**_run_contender("simbench", args, pairs),
                     "labels": "".join(map(str, scaled_test.labels.tolist()))})
    env = environment.capture("jax")
    text = render(rows, env)
    if args.dropout_off:
        text += ("\nDropout off and one model construction for both rows "
                 "(--dropout-off): they differ in padding alone. For the "
                 "accuracy columns; speed belongs to the main table.\n")
    print(text)
    if args.output:
        folder = Path(args.output)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "side_by_side.md").write_text(text)
        (folder / "side_by_side.json").write_text(json.dumps(
            {"rows": rows, "environment": env}, indent=1))


if __name__ == "__main__":
    main()
