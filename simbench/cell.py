"""A cell: one (preset, recipe, dataset, seed) fine-tune, and its identity."""

import dataclasses
import re
from typing import Optional

from simbench.recipes import Recipe

# Bump when a change alters what the numbers mean (data filtering, batching,
# metric code), so that old and new results are never compared silently.
BENCHMARK_NAME = "snli-finetune"
BENCHMARK_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Cell:
    """One unit of work.

    Args:
        preset: str. Preset name (or folder).
        recipe: Recipe. With any command-line overrides applied.
        dataset: str. Dataset name.
        seed: int. Seeds the train subset, shuffling and initialisation.
        data_source: str. "tfds" or "local", since the two train splits differ.
        limit: int or None. At most this many pairs per split.
    """

    preset: str
    recipe: Recipe
    dataset: str
    seed: int = 0
    data_source: str = "local"
    limit: Optional[int] = None

    def config(self) -> dict:
        """Everything that decides the numbers, as plain JSON."""
        return {
            "benchmark": {"name": BENCHMARK_NAME, "version": BENCHMARK_VERSION},
            "preset": self.preset,
            "recipe": self.recipe.to_dict(),
            "dataset": self.dataset,
            "data_source": self.data_source,
            "seed": self.seed,
            "limit": self.limit,
        }

    def config_hash(self) -> str:
        from simbench.results import config_hash

        return config_hash(self.config())

    @property
    def cell_id(self) -> str:
        preset = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.preset.strip("/"))[-60:]
        return (f"{preset}__{self.recipe.name}__{self.dataset}__seed{self.seed}"
                f"__{self.config_hash()[:8]}")
