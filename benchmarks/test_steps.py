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
