"""What a preset plugin registers, and what loading a preset gives back."""

import dataclasses
from typing import Any, Callable


@dataclasses.dataclass
class LoadedPreset:
    """A preset turned into objects, ready to fine-tune.

    Args:
        model: keras.Model. Takes the preprocessor's dict of arrays and
            returns one logit per class.
        preprocessor: a KerasHub `TextClassifierPreprocessor` (or any layer
            that, called as `preprocessor(x=(first, second))`, returns a
            dict of padded `(batch, sequence_length)` arrays including
            `padding_mask`, and has a settable `sequence_length`).
        backbone: keras.Model. The encoder without its head, for parameter
            counts.
        max_sequence_length: int. The longest input the backbone accepts.
    """

    model: Any
    preprocessor: Any
    backbone: Any
    max_sequence_length: int


@dataclasses.dataclass(frozen=True)
class Preset:
    """An encoder to benchmark: a KerasHub backbone plus its tokenizer.

    Args:
        name: str. What users pass to `--preset`.
        source: str. Hub handle or local path the weights come from.
        architecture: str. Backbone family, e.g. "bert" or "roberta".
        pretrained: bool. False for random-weight shapes; tables mark those.
        load: callable. `load(num_classes) -> LoadedPreset`. Called once per
            cell; keep imports of Keras inside it.
        description: str. One line for `simbench list`.
    """

    name: str
    source: str
    architecture: str
    pretrained: bool
    load: Callable[[int], LoadedPreset]
    description: str = ""

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "architecture": self.architecture,
            "pretrained": self.pretrained,
            "description": self.description,
        }
