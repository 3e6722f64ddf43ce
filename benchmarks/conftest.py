"""Fixtures for the step benchmarks: built-in presets at fixed shapes."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

# Small built-in presets that load offline; hub presets would need internet.
PRESETS = ("bert_tiny_scratch", "minilm_l6_h384_uncased")
BATCH_SIZE = 16
INFER_BATCH_SIZE = 64
SEQUENCE_LENGTH = 48  # about the longest bucket SNLI pairs need


def fixed_batch(batch_size: int, vocabulary_size: int, seed: int = 0):
    """Token arrays of one fixed shape, with some padding at the end."""
    rng = np.random.default_rng(seed)
    token_ids = rng.integers(1000, vocabulary_size,
                             (batch_size, SEQUENCE_LENGTH), dtype="int32")
    lengths = rng.integers(SEQUENCE_LENGTH // 2, SEQUENCE_LENGTH + 1, batch_size)
    mask = np.arange(SEQUENCE_LENGTH)[None, :] < lengths[:, None]
    inputs = {"token_ids": np.where(mask, token_ids, 0).astype("int32"),
              "padding_mask": mask,
              "segment_ids": np.zeros_like(token_ids)}
    labels = rng.integers(0, 3, batch_size).astype("int32")
    return inputs, labels


@pytest.fixture(scope="module", params=PRESETS)
def loaded(request):
    """A compiled, warmed-up classifier for each preset (Adam 5e-5)."""
    import keras

    import simbench_keras_hub
    import simbench_recipes
    from simbench.plugins import load_plugins

    plugins = load_plugins(extra=[simbench_keras_hub, simbench_recipes],
                           entry_points=False)
    keras.utils.set_random_seed(0)
    preset = plugins.get_preset(request.param)
    model = preset.load(3).model
    model.compile(
        optimizer=plugins.recipes.get("adam_5e-5").build_optimizer(1000),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return request.param, model
