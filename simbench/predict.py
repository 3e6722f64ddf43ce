"""Classify sentence pairs with a model saved by `simbench run --save-models`."""

from typing import List

import numpy as np

from simbench.errors import SimbenchError


def load_classifier(path: str):
    """Load a `.keras` model in Keras safe mode (no arbitrary code runs)."""
    import keras

    # Importing the built-in plugins registers their serializable classes.
    import simbench.schedules  # noqa: F401

    try:
        import simbench_keras_hub.electra  # noqa: F401
    except ImportError:
        pass
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:
        raise SimbenchError(
            f"Could not load model '{path}' ({type(error).__name__}: "
            f"{str(error)[:200]}). Pass a .keras file written by "
            "'simbench run --save-models'."
        ) from None
    if getattr(model, "preprocessor", None) is None:
        raise SimbenchError(f"Model '{path}' has no preprocessor attached, so it "
                            "cannot read raw text. Save it with --save-models.")
    return model


def predict_pairs(model, dataset, premises: List[str],
                  hypotheses: List[str]) -> List[dict]:
    """Label and class probabilities for each pair, in the dataset's order."""
    import keras
    import tensorflow as tf

    texts = {"premise": premises, "hypothesis": hypotheses}
    first, second = (texts[name] for name in dataset.pair_order)
    x = model.preprocessor(x=(tf.constant(first), tf.constant(second)))
    x = {k: np.asarray(v) for k, v in x.items()}
    logits = np.asarray(keras.Model.predict_on_batch(model, x), dtype="float64")
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return [
        {
            "premise": premises[i],
            "hypothesis": hypotheses[i],
            "label": dataset.labels[int(probs[i].argmax())],
            "probabilities": {label: float(probs[i][j])
                              for j, label in enumerate(dataset.labels)},
        }
        for i in range(len(premises))
    ]
