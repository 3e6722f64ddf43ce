import keras
import numpy as np
import pytest

from simbench.errors import SimbenchError
from simbench.recipes import Recipe
from simbench.schedules import WarmupLinearDecay


@pytest.mark.parametrize(
    "field, value",
    [("epochs", 0), ("epochs", -1), ("train_fraction", 0.0),
     ("train_fraction", 1.5), ("batch_size", 0), ("learning_rate", -1e-5),
     ("optimizer", "adagrad"), ("warmup_fraction", 1.0),
     ("precision", "float8")],
    ids=lambda v: str(v),
)
def test_invalid_recipe_values_are_rejected(field, value):
    with pytest.raises(SimbenchError, match=f"{field} must be"):
        Recipe(name="bad", **{field: value})


def test_overrides_are_validated_and_ignore_none():
    recipe = Recipe(name="r", epochs=3)
    assert recipe.with_overrides(epochs=None) is recipe
    assert recipe.with_overrides(epochs=1).epochs == 1
    with pytest.raises(SimbenchError):
        recipe.with_overrides(train_fraction=2.0)


def test_warmup_linear_decay_values():
    schedule = WarmupLinearDecay(1e-4, total_steps=100, warmup_steps=20)
    values = {step: float(schedule(step)) for step in (0, 10, 20, 60, 100, 120)}
    assert values[0] == 0.0
    assert values[10] == pytest.approx(5e-5)
    assert values[20] == pytest.approx(1e-4), "peak at the end of warm-up"
    assert values[60] == pytest.approx(5e-5)
    assert values[100] == pytest.approx(0.0, abs=1e-12), "zero at the end"
    assert values[120] == 0.0, "never negative"


def test_triangular_recipe_builds_the_schedule():
    recipe = Recipe(name="t", optimizer="adamw", learning_rate=1e-4,
                    schedule="warmup_linear", warmup_fraction=0.2, epochs=3)
    optimizer = recipe.build_optimizer(total_steps=1000)
    schedule = optimizer._learning_rate
    assert isinstance(schedule, WarmupLinearDecay)
    assert schedule.warmup_steps == 200 and schedule.total_steps == 1000


def test_schedule_survives_serialization():
    schedule = WarmupLinearDecay(1e-4, total_steps=50, warmup_steps=10)
    config = keras.optimizers.schedules.serialize(schedule)
    restored = keras.optimizers.schedules.deserialize(config)
    steps = np.arange(0, 60, 7)
    assert [float(restored(s)) for s in steps] == \
        [float(schedule(s)) for s in steps]
