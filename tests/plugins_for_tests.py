"""Plugins that misbehave, loaded through SIMBENCH_PLUGINS by CLI tests."""

from simbench import Recipe, hookimpl


class DuplicateRecipe:
    """Registers a recipe name the built-in recipes plugin already has."""

    @hookimpl
    def simbench_register_recipes(self, register):
        register(Recipe(name="adam_5e-5", optimizer="sgd", learning_rate=0.1))


class RaisesAtImport:
    def __init__(self):
        raise ImportError("this plugin needs a package that is not installed")
