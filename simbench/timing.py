"""Step timing: what a train step costs once compilation is out of the way."""

import time
from typing import Dict, List, Optional

import numpy as np

WARMUP_STEPS = 2  # always dropped, besides the first step of each new shape


def summarize(samples_ms: List[float]) -> Dict[str, Optional[float]]:
    """Median and spread of step times in milliseconds."""
    if not samples_ms:
        return {"n": 0, "median": None, "mean": None, "p10": None, "p90": None,
                "iqr": None, "min": None, "max": None}
    values = np.asarray(samples_ms, dtype="float64")
    q10, q25, q50, q75, q90 = np.percentile(values, [10, 25, 50, 75, 90])
    return {
        "n": int(values.size),
        "median": float(q50),
        "mean": float(values.mean()),
        "p10": float(q10),
        "p90": float(q90),
        "iqr": float(q75 - q25),
        "min": float(values.min()),
        "max": float(values.max()),
    }


class StepRecord:
    """Per-step timings of one training run, with compile steps marked.

    A step is a warm-up step if it is among the first `WARMUP_STEPS` or the
    first to see its batch shape (the backend compiles a new program then).
    """

    def __init__(self):
        self.ms: List[float] = []
        self.batch: List[int] = []
        self.length: List[int] = []
        self.warmup: List[bool] = []
        self._seen = set()

    def add(self, seconds: float, batch: int, length: int) -> None:
        shape = (batch, length)
        is_warmup = len(self.ms) < WARMUP_STEPS or shape not in self._seen
        self._seen.add(shape)
        self.ms.append(seconds * 1000.0)
        self.batch.append(batch)
        self.length.append(length)
        self.warmup.append(is_warmup)

    def steady(self) -> List[float]:
        return [ms for ms, w in zip(self.ms, self.warmup) if not w]

    def samples_per_second(self) -> Optional[float]:
        pairs = sum(b for b, w in zip(self.batch, self.warmup) if not w)
        seconds = sum(self.steady()) / 1000.0
        return pairs / seconds if seconds > 0 else None

    def to_dict(self) -> dict:
        return {
            "step_ms": summarize(self.steady()),
            "steps": len(self.ms),
            "warmup_steps": int(sum(self.warmup)),
            "warmup_ms_total": float(
                sum(ms for ms, w in zip(self.ms, self.warmup) if w)
            ),
            "samples_ms": [round(ms, 2) for ms in self.steady()],
            "samples_length": [n for n, w in zip(self.length, self.warmup)
                               if not w],
        }


class Stopwatch:
    """Wall time of named phases: `with watch("train"): ...`."""

    def __init__(self):
        self.phases: Dict[str, float] = {}
        self._start = time.perf_counter()

    def __call__(self, phase: str):
        watch = self

        class _Phase:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                elapsed = time.perf_counter() - self.start
                watch.phases[phase] = watch.phases.get(phase, 0.0) + elapsed

        return _Phase()

    def total(self) -> float:
        return time.perf_counter() - self._start
