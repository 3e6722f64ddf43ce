"""Tokenize sentence pairs once, then serve length-bucketed padded batches.

SNLI pairs are ~25 tokens long; padding every batch to the preset's 512 wastes
most of the compute. Each batch is padded only to the next multiple of
`bucket_width` above its longest pair, so a handful of shapes (and so of
compiled steps) cover a whole run.
"""

import dataclasses
import logging
import math
from typing import Dict, List, Optional

import numpy as np

logger = logging.getLogger(__name__)

ENCODE_CHUNK = 2048
BUCKET_WIDTH = 16
POOL_BATCHES = 64  # batches sorted together: order stays random across pools


@dataclasses.dataclass
class EncodedSplit:
    """Token arrays of one split, right-padded to a common length.

    Args:
        features: dict of arrays `(n, max_length)` (token ids, masks, ...).
        lengths: int array `(n,)`. Tokens per pair, special tokens included.
        labels: int32 array `(n,)`.
        truncated: int. Pairs cut to fit `max_length`.
    """

    features: Dict[str, np.ndarray]
    lengths: np.ndarray
    labels: np.ndarray
    truncated: int = 0

    def __len__(self) -> int:
        return len(self.labels)


def encode_pairs(preprocessor, first: List[str], second: List[str],
                 labels: np.ndarray, sequence_length: int) -> EncodedSplit:
    """Run a KerasHub preprocessor over all pairs at `sequence_length`."""
    import tensorflow as tf

    preprocessor.sequence_length = sequence_length
    chunks: Dict[str, list] = {}
    for start in range(0, len(first), ENCODE_CHUNK):
        stop = start + ENCODE_CHUNK
        x = preprocessor(x=(tf.constant(first[start:stop]),
                            tf.constant(second[start:stop])))
        for key, value in x.items():
            chunks.setdefault(key, []).append(np.asarray(value))
    features = {k: np.concatenate(v) for k, v in chunks.items()}
    lengths = features["padding_mask"].sum(axis=1).astype("int32")
    return EncodedSplit(features, lengths, np.asarray(labels, dtype="int32"))


def choose_sequence_length(lengths: np.ndarray, fixed: Optional[int],
                           limit: int, percentile: float = 99.9) -> int:
    """The recipe's fixed length, or a high percentile of `lengths` rounded
    up to a multiple of 8; never above `limit` (what the backbone takes)."""
    if fixed is not None:
        return min(int(fixed), limit)
    wanted = float(np.percentile(lengths, percentile))
    return min(max(8, int(math.ceil(wanted / 8.0) * 8)), limit)


def clip(split: EncodedSplit, sequence_length: int) -> EncodedSplit:
    """`split` cut to `sequence_length` columns; only valid when no pair is
    longer (otherwise re-encode so the packer truncates properly)."""
    features = {k: v[:, :sequence_length] for k, v in split.features.items()}
    return dataclasses.replace(split, features=features)


def bucket_length(longest: int, width: int, cap: int) -> int:
    return min(int(math.ceil(longest / width) * width), cap)


def plan_batches(lengths: np.ndarray, batch_size: int, shuffle: bool,
                 rng: Optional[np.random.Generator] = None) -> List[np.ndarray]:
    """Index arrays, one per batch, grouping pairs of similar length.

    Training (`shuffle=True`): shuffle, sort within pools of
    `POOL_BATCHES` batches, cut, then shuffle the batch order. Evaluation:
    sort everything by length, so padding is minimal.
    """
    count = len(lengths)
    if not shuffle:
        order = np.argsort(lengths, kind="stable")
        return [order[i:i + batch_size] for i in range(0, count, batch_size)]
    order = rng.permutation(count)
    pool = batch_size * POOL_BATCHES
    batches = []
    for start in range(0, count, pool):
        members = order[start:start + pool]
        members = members[np.argsort(lengths[members], kind="stable")]
        batches.extend(
            members[i:i + batch_size] for i in range(0, len(members), batch_size)
        )
    return [batches[i] for i in rng.permutation(len(batches))]


def make_batches(split: EncodedSplit, batch_size: int, shuffle: bool = False,
                 seed: int = 0, width: int = BUCKET_WIDTH):
    """A `keras.utils.PyDataset` over `split` (imports Keras lazily)."""
    from simbench._pydataset import BucketedBatches

    return BucketedBatches(split, batch_size, shuffle, seed, width)
