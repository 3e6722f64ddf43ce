"""Tokenize each (texts, tokenizer, length) once: token arrays cached on disk.

The key is a hash of everything that decides the arrays: the pair texts and
labels themselves, the preprocessor's class and config, the tokenizer's
vocabulary (or SentencePiece model) and the sequence length. A changed
vocabulary or a different data file is a new key, never a stale hit.
Files are `.npz` (NumPy arrays only, loaded with `allow_pickle=False`),
written atomically. `SIMBENCH_CACHE_DIR` moves the cache; `SIMBENCH_CACHE_DIR=`
(empty) turns it off.
"""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import List, Optional

import numpy as np

from simbench.batching import EncodedSplit, encode_pairs

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
ENV = "SIMBENCH_CACHE_DIR"


def cache_dir() -> Optional[Path]:
    value = os.environ.get(ENV)
    if value is None:
        base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
        return Path(base) / "simbench" / "tokens"
    return Path(value) if value else None


def _tokenizer_fingerprint(preprocessor) -> Optional[bytes]:
    tokenizer = getattr(preprocessor, "tokenizer", None)
    if tokenizer is None:
        return None
    if getattr(tokenizer, "proto", None) is not None:  # SentencePiece
        proto = tokenizer.proto
        return proto if isinstance(proto, bytes) else str(proto).encode()
    try:
        vocabulary = tokenizer.get_vocabulary()
    except (AttributeError, ValueError, NotImplementedError):
        return None
    extra = getattr(tokenizer, "merges", None) or []  # byte-pair encoders
    return json.dumps([list(vocabulary), list(extra)]).encode("utf-8")


def key(preprocessor, first: List[str], second: List[str], labels,
        sequence_length: int) -> Optional[str]:
    """The cache key, or None when the tokenizer cannot be fingerprinted
    (then nothing is cached)."""
    fingerprint = _tokenizer_fingerprint(preprocessor)
    if fingerprint is None:
        return None
    digest = hashlib.sha256()
    config = {k: v for k, v in preprocessor.get_config().items()
              if k not in ("sequence_length", "tokenizer", "name", "dtype")}
    header = {"format": FORMAT_VERSION, "class": type(preprocessor).__name__,
              "tokenizer": type(preprocessor.tokenizer).__name__,
              "config": config, "sequence_length": int(sequence_length)}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    digest.update(hashlib.sha256(fingerprint).digest())
    for texts in (first, second):
        digest.update("\x1f".join(texts).encode("utf-8"))
        digest.update(b"\x1e")
    digest.update(np.asarray(labels, dtype="int32").tobytes())
    return digest.hexdigest()


def _load(path: Path) -> Optional[EncodedSplit]:
    try:
        with np.load(path, allow_pickle=False) as stored:
            features = {name[len("feature_"):]: stored[name]
                        for name in stored.files if name.startswith("feature_")}
            return EncodedSplit(features, stored["lengths"], stored["labels"])
    except (OSError, ValueError, KeyError) as error:
        logger.warning("Ignoring unreadable token cache file %s (%s)", path, error)
        return None


def _save(path: Path, split: EncodedSplit) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, lengths=split.lengths, labels=split.labels,
                     **{f"feature_{k}": v for k, v in split.features.items()})
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


class TokenCache:
    """`encode_pairs` with a disk cache in front; counts hits and misses."""

    def __init__(self, directory: Optional[Path] = None):
        self.directory = directory if directory is not None else cache_dir()
        self.hits = 0
        self.misses = 0

    def encode(self, preprocessor, first: List[str], second: List[str],
               labels, sequence_length: int) -> EncodedSplit:
        name = None
        if self.directory is not None:
            name = key(preprocessor, first, second, labels, sequence_length)
        if name is not None:
            path = self.directory / f"{name}.npz"
            if path.exists():
                split = _load(path)
                if split is not None:
                    self.hits += 1
                    return split
        self.misses += 1
        split = encode_pairs(preprocessor, first, second, labels, sequence_length)
        if name is not None:
            try:
                _save(self.directory / f"{name}.npz", split)
            except OSError as error:  # a full or read-only disk: just slower
                logger.warning("Could not write the token cache (%s)", error)
        return split

    def to_dict(self) -> dict:
        return {"dir": str(self.directory) if self.directory else None,
                "hits": self.hits, "misses": self.misses}
