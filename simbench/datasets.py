"""What a dataset plugin registers: labelled sentence pairs, split by split."""

import dataclasses
from typing import Callable, List, Optional, Tuple

import numpy as np

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass
class PairSplit:
    """One split of a sentence-pair dataset.

    Args:
        premises: list of str.
        hypotheses: list of str.
        labels: int32 array, values in `range(len(dataset.labels))`.
        info: dict. Provenance: `source`, `n_original` (rows read),
            `n_used` (rows kept) and `dropped` ({reason: count}).
    """

    premises: List[str]
    hypotheses: List[str]
    labels: np.ndarray
    info: dict

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices: np.ndarray, **info) -> "PairSplit":
        """The pairs at `indices`, with `info` updated."""
        return PairSplit(
            premises=[self.premises[i] for i in indices],
            hypotheses=[self.hypotheses[i] for i in indices],
            labels=self.labels[indices],
            info={**self.info, **info, "n_selected": len(indices)},
        )

    def sample(self, fraction: float = 1.0, limit: Optional[int] = None,
               seed: int = 0) -> "PairSplit":
        """A deterministic random subset: `fraction` of the pairs, at most
        `limit`, the same for the same seed. Order is kept."""
        count = len(self)
        keep = int(round(count * fraction))
        if limit is not None:
            keep = min(keep, limit)
        if keep >= count:
            return self.subset(np.arange(count), fraction=fraction, limit=limit)
        rng = np.random.default_rng(seed)
        indices = np.sort(rng.choice(count, size=max(keep, 1), replace=False))
        return self.subset(indices, fraction=fraction, limit=limit)


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A sentence-pair classification dataset.

    Args:
        name: str. What users pass to `--dataset`.
        labels: tuple of str. Class names; label `i` is `labels[i]`.
        load: callable. `load(split, data_dir) -> PairSplit` for split in
            "train", "validation", "test"; `data_dir` is None to download.
        description: str. One line for `simbench list`.
        pair_order: tuple of two str. Which text goes first into the encoder.
    """

    name: str
    labels: Tuple[str, ...]
    load: Callable[[str, Optional[str]], PairSplit]
    description: str = ""
    pair_order: Tuple[str, str] = ("hypothesis", "premise")

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "labels": list(self.labels),
            "pair_order": list(self.pair_order),
            "description": self.description,
        }
