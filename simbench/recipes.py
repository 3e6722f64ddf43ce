"""What a recipe plugin registers: how a preset is fine-tuned."""

import dataclasses
import math
from typing import Optional

from simbench.errors import SimbenchError

OPTIMIZERS = ("adam", "adamw", "sgd", "task_default")
SCHEDULES = ("constant", "warmup_linear")
# Keras dtype policies: variables stay float32 in the mixed ones, the
# compute runs in 16 bits. mixed_float16 also scales the loss (Keras wraps the
# optimizer itself).
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """An optimizer recipe.

    Args:
        name: str. What users pass to `--recipe`.
        optimizer: str. One of "adam", "adamw", "sgd", or "task_default"
            (whatever the KerasHub task's own `compile()` picks).
        learning_rate: float. Constant rate, or the peak of a schedule.
        schedule: str. "constant", or "warmup_linear" (linear warm-up over
            `warmup_fraction` of all steps, then linear decay to 0).
        warmup_fraction: float. Share of all steps spent warming up.
        weight_decay: float. For "adamw" only.
        epochs: int. Passes over the selected train pairs.
        batch_size: int. Train batch size.
        train_fraction: float in (0, 1]. Share of the train split used,
            drawn deterministically from the seed.
        sequence_length: int or None. Fixed maximum pair length in tokens;
            None picks the 99.9th percentile of the train pairs, capped at
            what the backbone accepts.
        precision: str. Keras dtype policy for the cell: "float32", or
            "mixed_bfloat16" / "mixed_float16" for accelerators with fast
            16-bit matrix units (on a CPU they are usually slower).
        description: str. One line for `simbench list`.
    """

    name: str
    optimizer: str = "adam"
    learning_rate: float = 5e-5
    schedule: str = "constant"
    warmup_fraction: float = 0.0
    weight_decay: float = 0.0
    epochs: int = 1
    batch_size: int = 16
    train_fraction: float = 0.2
    sequence_length: Optional[int] = None
    precision: str = "float32"
    description: str = ""

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        def fail(field, expected):
            value = getattr(self, field)
            raise SimbenchError(
                f"Recipe '{self.name}': {field} must be {expected}. "
                f"Received: {field}={value!r}"
            )

        if self.optimizer not in OPTIMIZERS:
            fail("optimizer", "one of " + ", ".join(OPTIMIZERS))
        if self.schedule not in SCHEDULES:
            fail("schedule", "one of " + ", ".join(SCHEDULES))
        if not (isinstance(self.epochs, int) and self.epochs >= 1):
            fail("epochs", "a whole number of at least 1")
        if not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            fail("batch_size", "a whole number of at least 1")
        if not (0.0 < self.train_fraction <= 1.0):
            fail("train_fraction", "in (0, 1]")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            fail("learning_rate", "a positive number")
        if not (0.0 <= self.warmup_fraction < 1.0):
            fail("warmup_fraction", "in [0, 1)")
        if self.precision not in PRECISIONS:
            fail("precision", "one of " + ", ".join(PRECISIONS))
        if self.sequence_length is not None and self.sequence_length < 8:
            fail("sequence_length", "None or at least 8")

    def with_overrides(self, **overrides) -> "Recipe":
        """A copy with the non-None `overrides` applied (and validated)."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **changes) if changes else self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def learning_rate_for(self, total_steps: int):
        """A float or a Keras schedule for a run of `total_steps` steps."""
        if self.schedule == "constant":
            return self.learning_rate
        from simbench.schedules import WarmupLinearDecay

        warmup = int(round(self.warmup_fraction * total_steps))
        return WarmupLinearDecay(self.learning_rate, total_steps, warmup)

    def build_optimizer(self, total_steps: int):
        """A fresh Keras optimizer; None for "task_default"."""
        import keras

        rate = self.learning_rate_for(total_steps)
        if self.optimizer == "adam":
            return keras.optimizers.Adam(learning_rate=rate)
        if self.optimizer == "adamw":
            return keras.optimizers.AdamW(
                learning_rate=rate, weight_decay=self.weight_decay
            )
        if self.optimizer == "sgd":
            return keras.optimizers.SGD(learning_rate=rate, momentum=0.9)
        return None
