"""The Keras side of `simbench.batching`, kept apart so that importing
`simbench.batching` does not import Keras."""

import concurrent.futures

import keras
import numpy as np

from simbench.batching import bucket_length, plan_batches


class BucketedBatches(keras.utils.PyDataset):
    """Length-bucketed `(features, labels)` batches; reshuffled each epoch.

    While the model works on batch `i`, a background thread cuts batch
    `i + 1` (NumPy slicing of pre-tokenized arrays, which releases the GIL
    for the copies), so input preparation overlaps with compute. Prefetching
    is done here rather than with Keras' `workers=`: those would run
    `on_epoch_end` out of step with the batches already queued, and the step
    timer maps step `i` to `batches[i]` to know its shape.

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
        self._pending = None  # ((epoch, index), future) of the next batch
        self._executor = None
        self._plan()

    def _plan(self):
        rng = np.random.default_rng(self.seed + self.epoch)
        self.batches = plan_batches(
            self.split.lengths, self.batch_size, self.shuffle, rng
        )

    def __len__(self):
        return len(self.batches)

    def _padded_length(self, rows):
        longest = int(self.split.lengths[rows].max())
        return bucket_length(longest, self.width, self.cap)

    def batch_length(self, index):
        """Padded length of batch `index`."""
        return self._padded_length(self.batches[index])

    def _cut(self, batches, index):
        rows = batches[index]
        length = self._padded_length(rows)
        x = {k: v[rows, :length] for k, v in self.split.features.items()}
        return x, self.split.labels[rows]

    def __getitem__(self, index):
        if index < 0:
            index += len(self.batches)
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == (self.epoch, index):
            batch = pending[1].result()
        else:
            batch = self._cut(self.batches, index)
        if index + 1 < len(self.batches):
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    1, thread_name_prefix="simbench-batches")
            future = self._executor.submit(self._cut, self.batches, index + 1)
            self._pending = ((self.epoch, index + 1), future)
        return batch

    def on_epoch_end(self):
        if self.shuffle:
            self.epoch += 1
            self._plan()
            self._pending = None

    def __del__(self):
        if getattr(self, "_executor", None) is not None:
            self._executor.shutdown(wait=False)
