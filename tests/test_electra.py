"""The ELECTRA head simbench builds on KerasHub's backbone."""

import keras
import keras_hub
import numpy as np

from simbench_keras_hub.electra import (
    ElectraTextClassifier,
    ElectraTextClassifierPreprocessor,
)

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "man",
              "sleeps", "person", "rests", "."]


def _tiny_electra(num_classes=3):
    tokenizer = keras_hub.models.ElectraTokenizer(vocabulary=VOCABULARY,
                                                  lowercase=True)
    preprocessor = ElectraTextClassifierPreprocessor(tokenizer,
                                                     sequence_length=12)
    backbone = keras_hub.models.ElectraBackbone(
        vocab_size=len(VOCABULARY), num_layers=1, num_heads=2, hidden_dim=8,
        embedding_dim=8, intermediate_dim=16, max_sequence_length=12,
    )
    return ElectraTextClassifier(backbone, num_classes), preprocessor


def test_classifier_gives_one_logit_per_class():
    model, preprocessor = _tiny_electra()
    x = preprocessor(x=(["a person rests ."], ["a man sleeps ."]))
    logits = keras.ops.convert_to_numpy(model(x))
    assert logits.shape == (1, 3)
    token_ids = keras.ops.convert_to_numpy(x["token_ids"])[0]
    assert token_ids[0] == VOCABULARY.index("[CLS]")
    assert (token_ids == VOCABULARY.index("[SEP]")).sum() == 2


def test_classifier_saves_and_reloads_in_safe_mode(tmp_path):
    model, preprocessor = _tiny_electra()
    x = preprocessor(x=(["a person rests ."], ["a man sleeps ."]))
    before = keras.ops.convert_to_numpy(model(x))
    path = tmp_path / "electra.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(reloaded, ElectraTextClassifier)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded(x)), before,
                               rtol=1e-5, atol=1e-6)
