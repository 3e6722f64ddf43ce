"""Model FLOPs per train step, and the machine's measured matmul peak.

The estimate is the usual one for transformers (Kaplan et al. 2020, "Scaling
Laws for Neural Language Models", section 2.1): a forward pass costs about
`2 * N + 2 * n_layers * n_ctx * d_model` FLOPs per token, where N counts the
non-embedding parameters, and a train step about three forward passes.
Padded tokens are counted: the hardware computes them.
"""

import time
from typing import Optional

METHOD = ("3 x (2 N + 2 n_layers n_ctx d_model) per padded token; Kaplan et "
          "al. 2020; N = non-embedding parameters")
# The best of many short matmuls: on a shared VM single calls vary by a
# third, and the first calls in a busy process come in far lower.
PEAK_SIZE = 1024
PEAK_REPEATS = 50


def train_step_flops(non_embedding_params: int, num_layers: int, hidden_dim: int,
                     batch: int, length: int) -> float:
    """Estimated FLOPs of one train step on a `(batch, length)` batch."""
    per_token = 2.0 * non_embedding_params + 2.0 * num_layers * length * hidden_dim
    return 3.0 * per_token * batch * length


def matmul_peak_flops(size: int = PEAK_SIZE, repeats: int = PEAK_REPEATS) -> float:
    """FLOP/s of the fastest of `repeats` float32 `size x size` matmuls on
    the Keras backend's default device: what this machine can do at best."""
    import keras
    import numpy as np

    a = keras.ops.convert_to_tensor(np.ones((size, size), "float32"))
    b = keras.ops.convert_to_tensor(np.full((size, size), 0.5, "float32"))
    keras.ops.convert_to_numpy(keras.ops.matmul(a, b))  # compile, warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        keras.ops.convert_to_numpy(keras.ops.matmul(a, b))
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best


def efficiency(record, params: dict, backbone) -> Optional[dict]:
    """Model FLOPs per step and the achieved share of the matmul peak over
    the steady-state steps of `record` (a `simbench.timing.StepRecord`)."""
    num_layers = getattr(backbone, "num_layers", None)
    hidden_dim = getattr(backbone, "hidden_dim", None)
    steady = [(b, n, ms) for b, n, ms, w in
              zip(record.batch, record.length, record.ms, record.warmup) if not w]
    if not (num_layers and hidden_dim and steady):
        return None
    non_embedding = params["total"] - params["embedding"]
    flops = [train_step_flops(non_embedding, num_layers, hidden_dim, b, n)
             for b, n, _ in steady]
    seconds = sum(ms for _, _, ms in steady) / 1000.0
    achieved = sum(flops) / seconds
    peak = matmul_peak_flops()
    flops.sort()
    return {
        "method": METHOD,
        "train_step_gflops_median": flops[len(flops) // 2] / 1e9,
        "achieved_gflops_per_s": achieved / 1e9,
        "matmul_peak_gflops_per_s": peak / 1e9,
        "fraction_of_peak": achieved / peak,
    }
