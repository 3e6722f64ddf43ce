"""Read SNLI from the official `snli_1.0` jsonl layout or from TFDS."""

import gzip
import json
import logging
import os
from typing import Optional

import numpy as np

from simbench.datasets import PairSplit
from simbench.errors import DataError

logger = logging.getLogger(__name__)

LABELS = ("entailment", "neutral", "contradiction")
NO_GOLD_LABEL = "-"
# The official files call the validation split "dev".
FILE_SPLITS = {"train": "train", "validation": "dev", "test": "test"}


def load_snli(split: str, data_dir: Optional[str] = None) -> PairSplit:
    """SNLI `split` ("train", "validation", "test"), labels 0/1/2.

    Args:
        split: str. A simbench split name; with TFDS any TFDS split string
            (e.g. "train[:20%]") works too.
        data_dir: str or None. A folder in the official `snli_1.0` layout;
            None downloads through `tfds.load("snli")`.
    """
    if data_dir is None:
        return _load_tfds(split)
    return _load_jsonl(_find_file(data_dir, split))


def _find_file(data_dir: str, split: str) -> str:
    if not os.path.isdir(data_dir):
        raise DataError(
            f"SNLI data folder '{data_dir}' does not exist. Pass --data-dir (or "
            "set SIMBENCH_DATA_DIR) to a folder holding snli_1.0_train.jsonl, "
            "snli_1.0_dev.jsonl and snli_1.0_test.jsonl (optionally .gz)."
        )
    if split not in FILE_SPLITS:
        raise DataError(
            f"Unknown SNLI split '{split}'. Use one of: {', '.join(FILE_SPLITS)}."
        )
    stem = f"snli_1.0_{FILE_SPLITS[split]}.jsonl"
    for folder in (data_dir, os.path.join(data_dir, "snli_1.0")):
        for name in (stem, stem + ".gz"):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                return path
    raise DataError(
        f"No {stem} or {stem}.gz in '{data_dir}'. The folder must use the "
        "official snli_1.0 layout (unzip snli_1.0.zip from "
        "https://nlp.stanford.edu/projects/snli/)."
    )


def _open(path: str):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _load_jsonl(path: str) -> PairSplit:
    premises, hypotheses, labels = [], [], []
    dropped = 0
    rows = 0
    number = 0
    try:
        with _open(path) as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                rows += 1
                label, premise, hypothesis = _parse_line(path, number, line)
                if label == NO_GOLD_LABEL:
                    dropped += 1
                    continue
                labels.append(LABELS.index(label))
                premises.append(premise)
                hypotheses.append(hypothesis)
    except (OSError, EOFError, UnicodeDecodeError) as error:  # gzip errors too
        raise DataError(
            f"{path}: cannot be read after line {number} ({type(error).__name__}: "
            f"{error}). The file is truncated or not UTF-8 jsonl(.gz); "
            "replace it with the official one.") from None
    if not labels:
        raise DataError(f"{path} holds no labelled pairs ({rows} rows read).")
    return PairSplit(
        premises=premises,
        hypotheses=hypotheses,
        labels=np.asarray(labels, dtype="int32"),
        info={
            "source": os.path.abspath(path),
            "n_original": rows,
            "n_used": len(labels),
            "dropped": {"no_gold_label": dropped},
        },
    )


def _parse_line(path: str, number: int, line: str):
    where = f"{path}, line {number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}: not valid JSON ({error.msg}).") from None
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected a JSON object per line.")
    missing = [k for k in ("gold_label", "sentence1", "sentence2") if k not in row]
    if missing:
        raise DataError(f"{where}: missing field(s) {', '.join(missing)}.")
    label = row["gold_label"]
    if label != NO_GOLD_LABEL and label not in LABELS:
        raise DataError(
            f"{where}: unknown gold_label {label!r}; expected one of "
            f"{', '.join(LABELS)} or '-'."
        )
    for field in ("sentence1", "sentence2"):
        if not isinstance(row[field], str):
            raise DataError(f"{where}: {field} must be a string; received "
                            f"{row[field]!r}.")
    return label, row["sentence1"], row["sentence2"]


def _load_tfds(split: str) -> PairSplit:
    try:
        import tensorflow_datasets as tfds

        data = tfds.load("snli", split=split)
    except Exception as error:  # offline, or TFDS cannot build SNLI
        raise DataError(
            f"Could not load SNLI '{split}' through tensorflow-datasets "
            f"({type(error).__name__}: {str(error)[:200]}). Offline? Pass "
            "--data-dir (or set SIMBENCH_DATA_DIR) to a folder in the "
            "official snli_1.0 jsonl layout."
        ) from None
    premises, hypotheses, labels = [], [], []
    rows = 0
    for row in tfds.as_numpy(data):
        rows += 1
        label = int(row["label"])
        if label < 0:
            continue
        premises.append(row["premise"].decode("utf-8"))
        hypotheses.append(row["hypothesis"].decode("utf-8"))
        labels.append(label)
    return PairSplit(
        premises=premises,
        hypotheses=hypotheses,
        labels=np.asarray(labels, dtype="int32"),
        info={
            "source": f"tfds:snli/{split}",
            "n_original": rows,
            "n_used": len(labels),
            "dropped": {"no_gold_label": rows - len(labels)},
        },
    )
