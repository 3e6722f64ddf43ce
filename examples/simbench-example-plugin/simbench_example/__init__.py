"""A third-party simbench plugin adding one preset and one recipe.

Install it next to simbench (`pip install -e examples/simbench-example-plugin`)
and `simbench list` shows `bert_nano_scratch` and `sgd_momentum_1e-2`.
"""

from simbench import Preset, Recipe, hookimpl

NANO_SHAPE = dict(num_layers=1, num_heads=2, hidden_dim=64, intermediate_dim=128,
                  max_sequence_length=512)


def load_nano(num_classes):
    """A one-layer BERT with random weights and the BERT uncased vocabulary."""
    from simbench_keras_hub.loading import load_scratch

    return load_scratch(NANO_SHAPE, num_classes)


@hookimpl
def simbench_register_presets(register):
    register(Preset(
        name="bert_nano_scratch",
        source="random init: 1 layer, hidden 64",
        architecture="bert",
        pretrained=False,
        load=load_nano,
        description="example plugin: a one-layer BERT (not pretrained)",
    ))


@hookimpl
def simbench_register_recipes(register):
    register(Recipe(
        name="sgd_momentum_1e-2",
        optimizer="sgd",
        learning_rate=1e-2,
        epochs=2,
        description="example plugin: SGD with momentum 0.9 at 1e-2, 2 epochs",
    ))
