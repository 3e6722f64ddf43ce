"""The Keras side of `simbench.batching`, kept apart so that importing
`simbench.batching` does not import Keras."""

import keras
import numpy as np

from simbench.batching import bucket_length, plan_batches


class BucketedBatches(keras.utils.PyDataset):
    """Length-bucketed `(features, labels)` batches; reshuffled each epoch.

    Args:
        split: `EncodedSplit`.
        batch_size: int.
        shuffle: bool. True for training.
        seed: int. Seeds the shuffling; epoch `e` uses `seed + e`.
        width: int. Batches are padded to a multiple of this.
    """

    def __init__(self, split, batch_size, shuffle, seed, width):
        super().__init__()
        self.split = split
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.width = width
        self.cap = next(iter(split.features.values())).shape[1]
        self.epoch = 0
        self._plan()

    def _plan(self):
        rng = np.random.default_rng(self.seed + self.epoch)
        self.batches = plan_batches(
            self.split.lengths, self.batch_size, self.shuffle, rng
        )

    def __len__(self):
        return len(self.batches)

    def batch_length(self, index):
        """Padded length of batch `index`."""
        longest = int(self.split.lengths[self.batches[index]].max())
        return bucket_length(longest, self.width, self.cap)

    def __getitem__(self, index):
        rows = self.batches[index]
        length = self.batch_length(index)
        x = {k: v[rows, :length] for k, v in self.split.features.items()}
        return x, self.split.labels[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self.epoch += 1
            self._plan()
