import numpy as np
import pytest

from conftest import write_jsonl
from simbench.errors import DataError
from simbench_snli.loading import LABELS, load_snli


def _row(label, premise="A man sleeps.", hypothesis="A person rests."):
    return {"gold_label": label, "sentence1": premise, "sentence2": hypothesis}


def _layout(folder, train_rows, compress=False):
    suffix = ".gz" if compress else ""
    write_jsonl(folder / f"snli_1.0_train.jsonl{suffix}", train_rows, compress)
    for split in ("dev", "test"):
        write_jsonl(folder / f"snli_1.0_{split}.jsonl{suffix}",
                    [_row("neutral")], compress)
    return str(folder)


@pytest.mark.parametrize("compress", [False, True], ids=["jsonl", "jsonl.gz"])
def test_reads_official_layout_and_drops_rows_without_gold_label(tmp_path,
                                                                  compress):
    rows = [_row("entailment"), _row("-"), _row("contradiction", "P2", "H2"),
            _row("neutral")]
    split = load_snli("train", _layout(tmp_path, rows, compress))
    assert split.labels.tolist() == [0, 2, 1], "labels must be 0/1/2 as in TFDS"
    assert split.premises[1] == "P2" and split.hypotheses[1] == "H2"
    assert split.info["n_original"] == 4 and split.info["n_used"] == 3
    assert split.info["dropped"] == {"no_gold_label": 1}


def test_labels_match_tfds_encoding():
    assert LABELS == ("entailment", "neutral", "contradiction")


def test_validation_split_reads_dev_file(tmp_path):
    folder = _layout(tmp_path, [_row("entailment")])
    write_jsonl(tmp_path / "snli_1.0_dev.jsonl", [_row("contradiction")])
    assert load_snli("validation", folder).labels.tolist() == [2]


def test_malformed_line_names_file_and_line(tmp_path):
    rows = [_row("entailment"), '{"gold_label": "neutral", broken']
    folder = _layout(tmp_path, rows)
    with pytest.raises(DataError, match=r"snli_1.0_train.jsonl, line 2: not "
                                        r"valid JSON"):
        load_snli("train", folder)


def test_unknown_label_names_file_and_line(tmp_path):
    folder = _layout(tmp_path, [_row("entailment"), _row("maybe")])
    with pytest.raises(DataError, match=r"line 2: unknown gold_label 'maybe'"):
        load_snli("train", folder)


def test_missing_field_is_named(tmp_path):
    folder = _layout(tmp_path, [{"gold_label": "neutral", "sentence1": "x"}])
    with pytest.raises(DataError, match="line 1: missing field.*sentence2"):
        load_snli("train", folder)


def test_missing_folder_says_what_to_pass(tmp_path):
    with pytest.raises(DataError, match="--data-dir"):
        load_snli("train", str(tmp_path / "nowhere"))


def test_missing_file_names_expected_file(tmp_path):
    with pytest.raises(DataError, match="snli_1.0_train.jsonl"):
        load_snli("train", str(tmp_path))


def test_file_without_labelled_pairs_is_an_error(tmp_path):
    folder = _layout(tmp_path, [_row("-")])
    with pytest.raises(DataError, match="no labelled pairs"):
        load_snli("train", folder)


def test_real_local_copy_counts(snli_dir):
    dev = load_snli("validation", snli_dir)
    test = load_snli("test", snli_dir)
    assert (dev.info["n_original"], len(dev)) == (10000, 9842)
    assert (test.info["n_original"], len(test)) == (10000, 9824)
    assert set(np.unique(test.labels)) == {0, 1, 2}


def test_sample_is_deterministic_per_seed(snli_dir):
    dev = load_snli("validation", snli_dir)
    a = dev.sample(0.2, seed=1)
    b = dev.sample(0.2, seed=1)
    c = dev.sample(0.2, seed=2)
    assert len(a) == round(len(dev) * 0.2)
    assert a.premises == b.premises, "same seed must give the same subset"
    assert a.premises != c.premises, "another seed should give another subset"
    assert len(dev.sample(1.0, limit=100)) == 100


def test_tfds_rows_are_decoded_and_unlabelled_ones_dropped(monkeypatch):
    """The online path without the network: TFDS' encoding (bytes, label -1
    for no gold label) in, the same 0/1/2 split as the local files out."""
    import tensorflow_datasets as tfds

    rows = [{"premise": b"A man sleeps.", "hypothesis": b"A person rests.",
             "label": 0},
            {"premise": b"P", "hypothesis": b"H", "label": -1},
            {"premise": b"Two dogs run.", "hypothesis": b"Cats sit.", "label": 2}]
    asked = {}

    def fake_load(name, split):
        asked.update(name=name, split=split)
        return rows

    monkeypatch.setattr(tfds, "load", fake_load)
    monkeypatch.setattr(tfds, "as_numpy", lambda data: iter(data))
    split = load_snli("train[:20%]")
    assert asked == {"name": "snli", "split": "train[:20%]"}
    assert split.labels.tolist() == [0, 2]
    assert split.premises == ["A man sleeps.", "Two dogs run."]
    assert split.hypotheses == ["A person rests.", "Cats sit."]
    assert split.info["dropped"] == {"no_gold_label": 1}
    assert split.info["source"] == "tfds:snli/train[:20%]"


def test_tfds_failure_says_how_to_work_offline(monkeypatch):
    import tensorflow_datasets as tfds

    def offline(name, split):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(DataError, match="--data-dir"):
        load_snli("test")


@pytest.mark.large
def test_tfds_snli_downloads_with_labels_in_range():
    split = load_snli("validation[:200]")
    assert 0 < len(split.labels) <= 200
    assert set(split.labels.tolist()) <= {0, 1, 2}


def test_truncated_gzip_is_a_data_error(tmp_path):
    import gzip

    folder = _layout(tmp_path, [_row("entailment")] * 50, compress=True)
    whole = (tmp_path / "snli_1.0_train.jsonl.gz").read_bytes()
    (tmp_path / "snli_1.0_train.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    assert gzip  # the file is a cut gzip stream now
    with pytest.raises(DataError, match="truncated or not UTF-8"):
        load_snli("train", folder)


def test_bytes_that_are_not_utf8_are_a_data_error(tmp_path):
    folder = _layout(tmp_path, [_row("entailment")])
    (tmp_path / "snli_1.0_train.jsonl").write_bytes(b"\x82\xff\xfe{}\n")
    with pytest.raises(DataError, match="not UTF-8"):
        load_snli("train", folder)


@pytest.mark.parametrize("value", [None, 12345], ids=["null", "number"])
def test_a_sentence_that_is_not_text_is_named(tmp_path, value):
    folder = _layout(tmp_path, [_row("entailment", premise=value)])
    with pytest.raises(DataError, match="line 1: sentence1 must be a string"):
        load_snli("train", folder)
