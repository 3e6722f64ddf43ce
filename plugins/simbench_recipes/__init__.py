"""Built-in recipe plugin: the optimizer recipes of the reference workflow."""

from simbench.hookspecs import hookimpl
from simbench.recipes import Recipe

RECIPES = (
    Recipe(
        name="keras_hub_default",
        optimizer="task_default",
        description="Whatever the KerasHub task's compile() picks "
        "(Adam 5e-5 for text classifiers), 1 epoch",
    ),
    Recipe(
        name="adam_5e-5",
        optimizer="adam",
        learning_rate=5e-5,
        description="Adam at a constant 5e-5, 1 epoch",
    ),
    Recipe(
        name="adamw_triangular",
        optimizer="adamw",
        learning_rate=1e-4,
        schedule="warmup_linear",
        warmup_fraction=0.2,
        weight_decay=0.004,
        epochs=3,
        description="AdamW, linear warm-up over 20% of steps to 1e-4, "
        "then linear decay to 0; 3 epochs",
    ),
    Recipe(
        name="adam_5e-5_bf16",
        optimizer="adam",
        learning_rate=5e-5,
        precision="mixed_bfloat16",
        description="adam_5e-5 in mixed bfloat16 (float32 variables); for "
        "GPUs and TPUs",
    ),
)


@hookimpl
def simbench_register_recipes(register):
    for recipe in RECIPES:
        register(recipe)
