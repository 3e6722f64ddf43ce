import numpy as np
import pytest

from simbench import batching
from simbench.batching import EncodedSplit


def _split(lengths, width=64):
    lengths = np.asarray(lengths, dtype="int32")
    mask = np.arange(width)[None, :] < lengths[:, None]
    features = {"token_ids": np.where(mask, 7, 0).astype("int32"),
                "padding_mask": mask}
    return EncodedSplit(features, lengths, np.arange(len(lengths)) % 3)


@pytest.mark.parametrize("shuffle", [False, True], ids=["eval", "train"])
def test_every_pair_is_in_exactly_one_batch(shuffle):
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 60, size=1000)
    batches = batching.plan_batches(lengths, 16, shuffle, rng)
    seen = np.sort(np.concatenate(batches))
    assert seen.tolist() == list(range(1000))
    assert max(len(b) for b in batches) == 16


def test_eval_batches_are_sorted_by_length():
    lengths = np.array([30, 5, 20, 10, 25, 15])
    batches = batching.plan_batches(lengths, 2, shuffle=False)
    longest = [lengths[b].max() for b in batches]
    assert longest == sorted(longest)


def test_bucketed_batches_pad_to_bucket_not_to_max():
    split = _split([3, 5, 40, 41, 12, 9, 50, 2])
    batches = batching.make_batches(split, 2, shuffle=False, width=16)
    shapes = [batches[i][0]["token_ids"].shape for i in range(len(batches))]
    assert shapes == [(2, 16), (2, 16), (2, 48), (2, 64)]
    x, y = batches[0]
    assert x["padding_mask"].sum() == 2 + 3, "real tokens must survive slicing"
    assert y.shape == (2,)


def test_train_batches_reshuffle_each_epoch_and_repeat_per_seed():
    split = _split(np.arange(1, 61))
    a = batching.make_batches(split, 4, shuffle=True, seed=3)
    b = batching.make_batches(split, 4, shuffle=True, seed=3)
    first = [batch.tolist() for batch in a.batches]
    assert first == [batch.tolist() for batch in b.batches]
    a.on_epoch_end()
    assert first != [batch.tolist() for batch in a.batches]


def test_sequence_length_from_percentile_is_capped():
    lengths = np.array([10] * 999 + [500])
    assert batching.choose_sequence_length(lengths, None, 512) == 16
    assert batching.choose_sequence_length(lengths, 128, 512) == 128
    assert batching.choose_sequence_length(lengths, 1024, 512) == 512


def test_prefetched_batches_match_batches_cut_directly():
    split = _split(np.random.default_rng(1).integers(2, 60, size=90))
    batches = batching.make_batches(split, 8, shuffle=True, seed=5)
    for epoch in range(2):
        plan = [rows.copy() for rows in batches.batches]
        for index in list(range(len(batches))) + [3, 2, 3]:  # also out of order
            x, y = batches[index]
            assert y.tolist() == split.labels[plan[index]].tolist(), (
                f"epoch {epoch}, batch {index}: a prefetched batch from the "
                "wrong slot or the previous epoch's plan")
            assert x["token_ids"].shape[1] == batches.batch_length(index)
        batches.on_epoch_end()
    assert batches._pending is None or batches._pending[0][0] == 2
