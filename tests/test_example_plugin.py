import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import simbench_keras_hub
import simbench_recipes
import simbench_snli
from simbench.cli import cli
from simbench.plugins import load_plugins

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / \
    "simbench-example-plugin"


@pytest.fixture
def example_plugin(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import simbench_example

    yield simbench_example
    sys.modules.pop("simbench_example", None)


def test_example_plugin_adds_a_preset_and_a_recipe(example_plugin, monkeypatch):
    plugins = load_plugins(extra=[simbench_keras_hub, simbench_recipes,
                                  simbench_snli, example_plugin],
                           entry_points=False)
    import simbench.cli

    monkeypatch.setattr(simbench.cli, "_plugins", lambda: plugins)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0, result.output
    assert "bert_nano_scratch" in result.output
    assert "sgd_momentum_1e-2" in result.output
    assert plugins.presets.provider("bert_nano_scratch") == "simbench_example"


def test_example_plugin_declares_the_simbench_entry_point():
    text = (EXAMPLE / "pyproject.toml").read_text()
    assert "[project.entry-points.simbench]" in text
    assert 'example = "simbench_example"' in text
