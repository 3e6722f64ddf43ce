"""Shared fixtures: a tiny in-code BERT preset, real SNLI pairs, no
installed plugins leaking in."""

import collections
import gzip
import json
import os
import re
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Keep the developer's token cache out of the tests (workers inherit this).
os.environ["SIMBENCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="simbench-tokens-")

import pytest  # noqa: E402

import simbench_keras_hub  # noqa: E402
import simbench_recipes  # noqa: E402
import simbench_snli  # noqa: E402
from simbench.hookspecs import hookimpl  # noqa: E402
from simbench.plugins import load_plugins  # noqa: E402
from simbench.presets import LoadedPreset, Preset  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The local SNLI copy every checkout has beside it (see ../shared/README.md).
SNLI_DIR = Path(os.environ.get("SIMBENCH_TEST_SNLI_DIR",
                               ROOT.parent / "shared" / "data" / "snli_1.0"))
TINY_PRESET = "tiny_test_bert"


def pytest_addoption(parser):
    parser.addoption("--run-large", action="store_true",
                     help="run tests that download presets or SNLI")
    parser.addoption("--run-extra-large", action="store_true",
                     help="run real fine-tunes (minutes)")


def pytest_collection_modifyitems(config, items):
    for marker, option in (("large", "--run-large"),
                           ("extra_large", "--run-extra-large")):
        if config.getoption(option):
            continue
        skip = pytest.mark.skip(reason=f"needs {option}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def snli_dir():
    if not SNLI_DIR.is_dir():
        pytest.fail(f"The local SNLI copy is missing at {SNLI_DIR}; point "
                    "SIMBENCH_TEST_SNLI_DIR at an snli_1.0 folder.")
    return str(SNLI_DIR)


def _snli_vocabulary(limit_rows=400, size=300):
    words = collections.Counter()
    with gzip.open(SNLI_DIR / "snli_1.0_train.jsonl.gz", "rt") as file:
        for number, line in enumerate(file):
            if number >= limit_rows:
                break
            row = json.loads(line)
            for text in (row["sentence1"], row["sentence2"]):
                words.update(re.findall(r"\w+|[^\w\s]", text.lower()))
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    return special + [w for w, _ in words.most_common(size)]


def load_tiny(num_classes):
    """A 2-layer BERT, hidden size 16, over a 300-word SNLI vocabulary."""
    import keras_hub

    tokenizer = keras_hub.models.BertTokenizer(vocabulary=_snli_vocabulary(),
                                               lowercase=True)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=tokenizer.vocabulary_size(), num_layers=2, num_heads=2,
        hidden_dim=16, intermediate_dim=32, max_sequence_length=128,
    )
    model = keras_hub.models.BertTextClassifier(backbone, num_classes,
                                                preprocessor=None)
    return LoadedPreset(model, preprocessor, backbone, 128)


class TinyPresetPlugin:
    """Registers the tiny in-code preset used by end-to-end tests."""

    @hookimpl
    def simbench_register_presets(self, register):
        register(Preset(name=TINY_PRESET, source="in-code", architecture="bert",
                        pretrained=False, load=load_tiny,
                        description="test-only tiny BERT"))


@pytest.fixture
def plugins():
    """Built-in plugins plus the tiny preset; no installed entry points."""
    return load_plugins(
        extra=[simbench_keras_hub, simbench_recipes, simbench_snli,
               TinyPresetPlugin()],
        entry_points=False,
    )


@pytest.fixture
def cli_plugins(monkeypatch, plugins):
    """Make the CLI use `plugins` instead of the installed entry points."""
    import simbench.cli

    monkeypatch.setattr(simbench.cli, "_plugins", lambda: plugins)
    return plugins


@pytest.fixture(autouse=True)
def _seeded():
    import numpy as np

    np.random.seed(0)


def write_jsonl(path, rows, compress=False):
    """Write SNLI-style rows (dicts or raw strings) to `path`."""
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n"
                   for r in rows)
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as file:
        file.write(text)
    return path
