import pytest
from click.testing import CliRunner

from simbench.cli import cli
from simbench.errors import DuplicateNameError, UnknownNameError
from simbench.hookspecs import hookimpl
from simbench.plugins import load_plugins
from simbench.recipes import Recipe
from simbench.registry import Registry


def test_unknown_name_suggests_close_matches():
    registry = Registry("preset", "simbench list presets")
    registry.register(Recipe(name="bert_tiny_en_uncased"), plugin="a")
    registry.register(Recipe(name="roberta_base_en"), plugin="a")
    with pytest.raises(UnknownNameError) as error:
        registry.get("bert_tiny_en_uncase")
    message = str(error.value)
    assert "Did you mean 'bert_tiny_en_uncased'?" in message, message
    assert "simbench list presets" in message, message
    assert "all 2 registered presets" in message, message


def test_duplicate_name_names_both_plugins():
    class First:
        @hookimpl
        def simbench_register_recipes(self, register):
            register(Recipe(name="same"))

    class Second:
        @hookimpl
        def simbench_register_recipes(self, register):
            register(Recipe(name="same"))

    with pytest.raises(DuplicateNameError) as error:
        load_plugins(extra=[First(), Second()], entry_points=False)
    assert "'First'" in str(error.value) and "'Second'" in str(error.value)


def test_registry_remembers_provider(plugins):
    assert plugins.presets.provider("minilm_l6_h384_uncased") == \
        "simbench_keras_hub"
    assert plugins.provider("recipe", "adam_5e-5")["plugin"] == "simbench_recipes"


def test_misspelled_hook_fails_at_startup():
    class Typo:
        @hookimpl
        def simbench_register_recipe(self, register):  # missing "s"
            pass

    with pytest.raises(Exception, match="simbench_register_recipe"):
        load_plugins(extra=[Typo()], entry_points=False)


def test_failing_plugin_is_reported_and_others_still_load(monkeypatch):
    from importlib import metadata

    from simbench import plugins as plugins_module

    entry_points = [
        metadata.EntryPoint("recipes", "simbench_recipes", "simbench"),
        metadata.EntryPoint("broken", "no_such_module_for_simbench", "simbench"),
    ]
    monkeypatch.setattr(plugins_module.metadata, "entry_points",
                        lambda group: entry_points)
    monkeypatch.delenv("SIMBENCH_LOAD_PLUGINS", raising=False)
    loaded = load_plugins()
    status = {info.name: info.status for info in loaded.infos}
    assert status == {"recipes": "loaded", "broken": "failed"}, status
    assert "adam_5e-5" in loaded.recipes

    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "ModuleNotFoundError" in result.output


def test_load_plugins_allowlist(monkeypatch):
    monkeypatch.setenv("SIMBENCH_LOAD_PLUGINS", "recipes")
    loaded = load_plugins()
    assert [info.name for info in loaded.infos] == ["recipes"]
    assert len(loaded.presets) == 0


def test_builtin_plugins_load_through_entry_points(monkeypatch):
    monkeypatch.delenv("SIMBENCH_LOAD_PLUGINS", raising=False)
    result = CliRunner().invoke(cli, ["list", "--json"])
    assert result.exit_code == 0, result.output
    assert '"minilm_l6_h384_uncased"' in result.output
    assert '"adamw_triangular"' in result.output
    assert '"snli"' in result.output


def test_folder_resolves_to_a_preset(plugins, tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    preset = plugins.get_preset(str(tmp_path))
    assert preset.architecture == "bert" and preset.source == str(tmp_path)


def test_plugin_whose_hook_raises_is_marked_failed_and_others_load():
    import simbench_recipes

    class Raising:
        @hookimpl
        def simbench_register_recipes(self, register):
            raise RuntimeError("boom from plugin")

    loaded = load_plugins(extra=[simbench_recipes, Raising()],
                          entry_points=False)
    assert "adam_5e-5" in loaded.recipes, "the other plugins still register"
    failed = [info for info in loaded.infos if info.status == "failed"]
    assert len(failed) == 1 and "boom from plugin" in failed[0].error, \
        loaded.infos
