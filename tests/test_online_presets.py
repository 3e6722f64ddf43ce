"""Hub presets and real fine-tunes: skipped unless asked for.

`--run-large` needs internet (KerasHub presets from their hub);
`--run-extra-large` fine-tunes real pretrained weights for minutes.
"""

import pytest

from simbench import runner
from simbench.cell import Cell


@pytest.mark.large
@pytest.mark.parametrize("name", ["bert_tiny_en_uncased", "roberta_base_en"])
def test_hub_preset_loads_with_a_three_class_head(plugins, name):
    loaded = plugins.get_preset(name).load(3)
    x = loaded.preprocessor(x=(["A person rests."], ["A man sleeps."]))
    logits = loaded.model.predict_on_batch(x)
    assert logits.shape == (1, 3), f"{name}: one logit per SNLI class"


@pytest.mark.extra_large
def test_minilm_learns_snli_well_above_chance(plugins, snli_dir):
    """Real all-MiniLM-L6-v2 weights, 4,000 train pairs, one epoch: the
    conversion, pair order and head are right only if this clears 60 %."""
    recipe = plugins.recipes.get("adam_5e-5").with_overrides(train_fraction=1.0)
    cell = Cell("minilm_l6_h384_uncased", recipe, "snli", 0, "local",
                limit=4000)
    result = runner.run_cell(plugins, cell, runner.SplitCache(plugins, snli_dir),
                             "jax", "extra-large-test", verbose=0)
    assert result["status"] == "ok", result["error"]
    assert result["metrics"]["test_accuracy"] > 0.60, result["metrics"]
