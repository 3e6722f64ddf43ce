"""An ELECTRA text classifier: KerasHub ships the backbone but no task."""

import keras
import keras_hub
from keras_hub.models import (
    ElectraBackbone,
    ElectraTokenizer,
    TextClassifier,
    TextClassifierPreprocessor,
)


@keras.saving.register_keras_serializable(package="simbench")
class ElectraTextClassifierPreprocessor(TextClassifierPreprocessor):
    """Packs ELECTRA WordPiece tokens as `[CLS] a [SEP] b [SEP]`."""

    backbone_cls = ElectraBackbone
    tokenizer_cls = ElectraTokenizer


@keras.saving.register_keras_serializable(package="simbench")
class ElectraTextClassifier(TextClassifier):
    """ELECTRA with the head its authors used for GLUE: the `[CLS]` vector,
    dropout, a GELU dense layer of the hidden size, dropout, logits.

    Args:
        backbone: `keras_hub.models.ElectraBackbone`.
        num_classes: int.
        preprocessor: `ElectraTextClassifierPreprocessor` or None.
        dropout: float. Dropout rate before each dense layer.
    """

    backbone_cls = ElectraBackbone
    preprocessor_cls = ElectraTextClassifierPreprocessor

    def __init__(self, backbone, num_classes, preprocessor=None, dropout=0.1,
                 **kwargs):
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        self.head_dropout = keras.layers.Dropout(dropout, name="head_dropout")
        self.head_dense = keras.layers.Dense(
            backbone.hidden_dim, activation="gelu", name="head_dense"
        )
        self.output_dropout = keras.layers.Dropout(dropout, name="output_dropout")
        self.output_dense = keras.layers.Dense(num_classes, name="logits")

        # === Functional model ===
        inputs = backbone.input
        cls = backbone(inputs)["sequence_output"][:, 0, :]
        x = self.head_dense(self.head_dropout(cls))
        outputs = self.output_dense(self.output_dropout(x))
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        # === Config ===
        self.num_classes = num_classes
        self.dropout = dropout

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "dropout": self.dropout})
        return config


def build_electra(handle: str, num_classes: int):
    """(model, preprocessor, backbone) for an ELECTRA preset or folder."""
    backbone = keras_hub.models.Backbone.from_preset(handle)
    tokenizer = keras_hub.models.Tokenizer.from_preset(handle)
    preprocessor = ElectraTextClassifierPreprocessor(tokenizer=tokenizer)
    model = ElectraTextClassifier(backbone, num_classes, preprocessor=None)
    return model, preprocessor, backbone
