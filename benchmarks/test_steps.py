"""Train-step and inference benchmarks (pytest-benchmark).

Run `make benchmarks` to save a baseline for this machine, and
`make benchmarks-check` to compare with it; a median more than 10 % slower
fails. The first calls compile the step and are kept out of the timings.
"""

import keras

from conftest import BATCH_SIZE, INFER_BATCH_SIZE, fixed_batch

WARMUP_CALLS = 3


def _vocabulary_size(model):
    return model.backbone.vocabulary_size


def test_train_step(benchmark, loaded):
    name, model = loaded
    inputs, labels = fixed_batch(BATCH_SIZE, _vocabulary_size(model))

    def step():
        # `keras.Model`'s method: KerasHub's would route through tf.data.
        keras.Model.train_on_batch(model, inputs, labels)

    benchmark.extra_info.update(preset=name, batch_size=BATCH_SIZE,
                                sequence_length=inputs["token_ids"].shape[1])
    benchmark.pedantic(step, rounds=20, iterations=1,
                       warmup_rounds=WARMUP_CALLS)


def test_inference(benchmark, loaded):
    name, model = loaded
    inputs, _ = fixed_batch(INFER_BATCH_SIZE, _vocabulary_size(model))

    def infer():
        keras.Model.predict_on_batch(model, inputs)

    benchmark.extra_info.update(preset=name, batch_size=INFER_BATCH_SIZE,
                                sequence_length=inputs["token_ids"].shape[1])
    benchmark.pedantic(infer, rounds=20, iterations=1,
                       warmup_rounds=WARMUP_CALLS)


def test_batch_assembly(benchmark):
    """What the input pipeline costs per train step (compare with the step):
    slicing one length-bucketed batch out of the token arrays."""
    import numpy as np

    from simbench.batching import EncodedSplit, make_batches

    rng = np.random.default_rng(0)
    lengths = rng.integers(12, 72, 26_000).astype("int32")
    mask = np.arange(72)[None, :] < lengths[:, None]
    split = EncodedSplit(
        features={"token_ids": rng.integers(0, 30_000, (26_000, 72), "int32"),
                  "padding_mask": mask,
                  "segment_ids": np.zeros((26_000, 72), "int32")},
        lengths=lengths, labels=rng.integers(0, 3, 26_000, "int32"))
    batches = make_batches(split, BATCH_SIZE, shuffle=True)
    indices = iter(range(10**9))
    benchmark(lambda: batches[next(indices) % len(batches)])
