"""Peak memory of this process: host RSS and, where there is one, device."""

import resource
import sys
from typing import Optional

_cells_started = 0


def start_cell() -> int:
    """Count a cell starting in this process; returns how many started
    before it (their memory is in this process's peak too)."""
    global _cells_started
    _cells_started += 1
    return _cells_started - 1


def peak_host_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def peak_device_mib(backend: str) -> Optional[float]:
    """Peak accelerator memory in MiB; None on CPU or when unknown."""
    try:
        if backend == "jax":
            import jax

            device = jax.devices()[0]
            if device.platform == "cpu":
                return None
            stats = device.memory_stats() or {}
            peak = stats.get("peak_bytes_in_use")
            return peak / 2**20 if peak is not None else None
        if backend == "tensorflow":
            import tensorflow as tf

            if not tf.config.list_logical_devices("GPU"):
                return None
            return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
        if backend == "torch":
            import torch

            if not torch.cuda.is_available():
                return None
            return torch.cuda.max_memory_allocated() / 2**20
    except Exception:  # memory stats are best effort; never fail a cell
        return None
    return None
