"""One cell's edge cases: divergence, truncation, unsafe models, offline hub."""

import numpy as np
import pytest

from conftest import load_tiny
from simbench import runner
from simbench.cell import Cell
from simbench.errors import PresetUnavailableError, SimbenchError
from simbench.hookspecs import hookimpl
from simbench.presets import Preset


def load_nan_tiny(num_classes):
    """The tiny BERT with a NaN in its classifier: the loss is NaN at once."""
    loaded = load_tiny(num_classes)
    kernel = loaded.model.layers[-1].kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))
    return loaded


class NanPresetPlugin:
    @hookimpl
    def simbench_register_presets(self, register):
        register(Preset(name="nan_tiny", source="in-code", architecture="bert",
                        pretrained=False, load=load_nan_tiny))


def test_nan_loss_stops_the_cell_and_marks_it_diverged(plugins, snli_dir):
    plugins.pm.register(NanPresetPlugin())
    plugins.presets.register(Preset(name="nan_tiny", source="in-code",
                                    architecture="bert", pretrained=False,
                                    load=load_nan_tiny), plugin="test")
    recipe = plugins.recipes.get("adam_5e-5").with_overrides(
        train_fraction=1.0, batch_size=8, epochs=2)
    cell = Cell("nan_tiny", recipe, "snli", 0, "local", limit=96)
    result = runner.run_cell(plugins, cell, runner.SplitCache(plugins, snli_dir),
                             "jax", "run", verbose=0)
    assert result["status"] == "failed" and result["failure"] == "diverged"
    assert "NaN" in result["error"]
    # Stopped at the first step, not after 2 epochs of 12 steps.
    assert result["timing"]["train"]["steps"] < 3
    assert len(result["history"]) == 1


def test_long_pairs_are_truncated_and_counted(plugins, snli_dir):
    loaded = load_tiny(3)
    split = plugins.datasets.get("snli").load("test", snli_dir).sample(1.0, 200)
    recipe = plugins.recipes.get("adam_5e-5").with_overrides(sequence_length=16)
    encoded, sequence = runner._encode_all(
        loaded, {"train": split, "validation": split, "test": split},
        ("hypothesis", "premise"), recipe)
    full = runner._encode_all(
        loaded, {"train": split, "validation": split, "test": split},
        ("hypothesis", "premise"),
        recipe.with_overrides(sequence_length=128))[0]["test"]
    assert sequence == {**sequence, "max_length": 16, "policy": "fixed by recipe"}
    assert encoded["test"].features["token_ids"].shape[1] == 16
    assert encoded["test"].truncated == int((full.lengths > 16).sum()) > 0
    assert full.truncated == 0


def test_unsafe_saved_model_is_refused(tmp_path):
    import keras

    from simbench.predict import load_classifier

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    path = tmp_path / "unsafe.keras"
    model.save(path)
    with pytest.raises(SimbenchError, match="unsafe.keras"):
        load_classifier(str(path))


def test_offline_hub_preset_says_how_to_pass_a_folder(monkeypatch):
    import keras_hub

    from simbench_keras_hub.loading import load_from_preset

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'api.kaggle.com'")

    monkeypatch.setattr(keras_hub.models.TextClassifierPreprocessor,
                        "from_preset", offline)
    with pytest.raises(PresetUnavailableError) as raised:
        load_from_preset("bert_tiny_en_uncased", "bert", 3)
    message = str(raised.value)
    assert "bert_tiny_en_uncased" in message and "internet" in message
    assert "--preset /path/to/folder" in message


def test_mixed_precision_recipe_computes_in_bfloat16(plugins, snli_dir):
    import keras

    seen = {}

    def load_and_watch(num_classes):
        loaded = load_tiny(num_classes)
        seen["compute"] = loaded.backbone.compute_dtype
        seen["variables"] = loaded.backbone.variable_dtype
        return loaded

    plugins.presets.register(Preset(name="watched_tiny", source="in-code",
                                    architecture="bert", pretrained=False,
                                    load=load_and_watch), plugin="test")
    recipe = plugins.recipes.get("adam_5e-5_bf16").with_overrides(
        train_fraction=1.0, batch_size=8)
    cell = Cell("watched_tiny", recipe, "snli", 0, "local", limit=48)
    splits = runner.SplitCache(plugins, snli_dir)
    result = runner.run_cell(plugins, cell, splits, "jax", "run", verbose=0)
    assert result["status"] == "ok", result["error"]
    assert seen == {"compute": "bfloat16", "variables": "float32"}, seen
    assert result["recipe"]["precision"] == "mixed_bfloat16"
    assert any("mixed_bfloat16 on a CPU" in c for c in result["caveats"])
    assert keras.config.dtype_policy().name == "float32", \
        "the global policy must be restored after the cell"
    # A second cell in this process says its memory peak is shared.
    again = runner.run_cell(plugins, cell, splits, "jax", "run", verbose=0)
    assert any("cell(s) ran before this one" in c for c in again["caveats"])
