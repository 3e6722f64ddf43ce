"""FLOPs estimate and the measured matmul peak."""

import types

import pytest

from simbench import flops
from simbench.timing import StepRecord


def test_train_step_flops_by_hand():
    # per token: 2 * 1e6 + 2 * 2 layers * 32 tokens * 128 = 2,016,384;
    # times 3 (forward + backward) times 16 x 32 tokens.
    assert flops.train_step_flops(1_000_000, 2, 128, 16, 32) == \
        3 * 2_016_384 * 16 * 32


def test_matmul_peak_is_a_plausible_rate():
    peak = flops.matmul_peak_flops(size=256, repeats=3)
    assert 1e8 < peak < 1e16


def test_efficiency_uses_steady_steps_only(monkeypatch):
    monkeypatch.setattr(flops, "matmul_peak_flops", lambda: 1e12)
    record = StepRecord()
    for _ in range(4):  # two warm-up steps, then two steady ones at 100 ms
        record.add(0.1, 16, 32)
    backbone = types.SimpleNamespace(num_layers=2, hidden_dim=128)
    result = flops.efficiency(record, {"total": 1_500_000, "embedding": 500_000},
                              backbone)
    per_step = flops.train_step_flops(1_000_000, 2, 128, 16, 32)
    assert result["achieved_gflops_per_s"] == pytest.approx(per_step / 0.1 / 1e9)
    assert result["fraction_of_peak"] == pytest.approx(per_step / 0.1 / 1e12)
    assert flops.efficiency(StepRecord(), {"total": 1, "embedding": 0},
                            backbone) is None
