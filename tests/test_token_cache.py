"""The on-disk token cache: hits, misses, and no stale or unsafe reads."""

import numpy as np
import pytest

from conftest import load_tiny
from simbench import token_cache
from simbench.token_cache import TokenCache

FIRST = ["A person rests.", "Nobody is outside.", "A dog runs."]
SECOND = ["A man sleeps on a bench.", "Kids play in the park.", "An animal moves."]
LABELS = np.array([0, 2, 0])


@pytest.fixture(scope="module")
def preprocessor():
    return load_tiny(3).preprocessor


def test_second_encode_is_a_hit_with_equal_arrays(preprocessor, tmp_path):
    cache = TokenCache(tmp_path)
    first = cache.encode(preprocessor, FIRST, SECOND, LABELS, 32)
    second = TokenCache(tmp_path).encode(preprocessor, FIRST, SECOND, LABELS, 32)
    assert cache.to_dict() == {"dir": str(tmp_path), "hits": 0, "misses": 1}
    for name, array in first.features.items():
        np.testing.assert_array_equal(second.features[name], array)
    np.testing.assert_array_equal(second.lengths, first.lengths)
    np.testing.assert_array_equal(second.labels, LABELS)


def test_key_changes_with_texts_length_and_vocabulary(preprocessor):
    base = token_cache.key(preprocessor, FIRST, SECOND, LABELS, 32)
    assert base == token_cache.key(preprocessor, FIRST, SECOND, LABELS, 32)
    assert base != token_cache.key(preprocessor, FIRST[::-1], SECOND, LABELS, 32)
    assert base != token_cache.key(preprocessor, FIRST, SECOND, LABELS, 48)
    assert base != token_cache.key(preprocessor, FIRST, SECOND, (LABELS + 1) % 3, 32)
    import keras_hub

    other = keras_hub.models.BertTextClassifierPreprocessor(
        keras_hub.models.BertTokenizer(
            vocabulary=preprocessor.tokenizer.get_vocabulary()[:-1] + ["zzz"]))
    assert base != token_cache.key(other, FIRST, SECOND, LABELS, 32)


def test_corrupt_file_is_ignored_and_rewritten(preprocessor, tmp_path):
    name = token_cache.key(preprocessor, FIRST, SECOND, LABELS, 32)
    (tmp_path / f"{name}.npz").write_bytes(b"not a zip file")
    cache = TokenCache(tmp_path)
    split = cache.encode(preprocessor, FIRST, SECOND, LABELS, 32)
    assert cache.misses == 1 and len(split) == 3
    assert TokenCache(tmp_path).encode(preprocessor, FIRST, SECOND, LABELS, 32)
    assert not list(tmp_path.glob(".tmp-*"))


def test_empty_setting_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("SIMBENCH_CACHE_DIR", "")
    assert token_cache.cache_dir() is None
