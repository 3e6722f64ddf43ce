"""simbench: which text encoder, with which recipe, is worth its cost."""

__version__ = "0.1.0"

from simbench.datasets import Dataset, PairSplit  # noqa: E402
from simbench.errors import SimbenchError  # noqa: E402
from simbench.hookspecs import hookimpl  # noqa: E402
from simbench.presets import LoadedPreset, Preset  # noqa: E402
from simbench.recipes import Recipe  # noqa: E402

__all__ = [
    "Dataset",
    "LoadedPreset",
    "PairSplit",
    "Preset",
    "Recipe",
    "SimbenchError",
    "__version__",
    "hookimpl",
]
