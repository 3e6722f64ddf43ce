"""Learning-rate schedules that recipes use; serializable so models reload."""

import keras


@keras.saving.register_keras_serializable(package="simbench")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to `peak`, then linear decay to 0.

    Args:
        peak: float. Learning rate at the end of warm-up.
        total_steps: int. Steps of the whole training run.
        warmup_steps: int. Steps spent warming up.

    Example:
    >>> schedule = WarmupLinearDecay(1e-4, total_steps=100, warmup_steps=20)
    >>> float(schedule(20))
    0.0001
    """

    def __init__(self, peak, total_steps, warmup_steps):
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        warmup = max(self.warmup_steps, 1)
        decay = max(self.total_steps - self.warmup_steps, 1)
        rising = self.peak * step / warmup
        falling = self.peak * (self.total_steps - step) / decay
        rate = keras.ops.where(step < self.warmup_steps, rising, falling)
        return keras.ops.maximum(rate, 0.0)

    def get_config(self):
        return {
            "peak": self.peak,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
        }
