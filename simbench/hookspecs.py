"""Hook specifications: what a simbench plugin can implement.

A plugin is any module or object with functions marked `@hookimpl`. It is
found through the `simbench` entry-point group; the built-in plugins in
`plugins/` are declared in that group too, so they take the same path.
"""

from typing import Any, Callable, Optional

import pluggy

hookspec = pluggy.HookspecMarker("simbench")
hookimpl = pluggy.HookimplMarker("simbench")


@hookspec
def simbench_register_presets(register: Callable[..., None]) -> None:
    """Register presets: pretrained (or from-scratch) encoders to benchmark.

    Call `register(preset)` once per `simbench.Preset`. Example::

        @hookimpl
        def simbench_register_presets(register):
            register(Preset(name="my_bert", source="/models/my_bert",
                            architecture="bert", pretrained=True,
                            load=load_my_bert))
    """


@hookspec
def simbench_register_recipes(register: Callable[..., None]) -> None:
    """Register recipes: optimizer, schedule, epochs and batch size.

    Call `register(recipe)` once per `simbench.Recipe`. Example::

        @hookimpl
        def simbench_register_recipes(register):
            register(Recipe(name="sgd_1e-2", optimizer="sgd",
                            learning_rate=1e-2))
    """


@hookspec
def simbench_register_datasets(register: Callable[..., None]) -> None:
    """Register datasets of labelled sentence pairs.

    Call `register(dataset)` once per `simbench.Dataset`.
    """


@hookspec(firstresult=True)
def simbench_resolve_preset(name: str) -> Optional[Any]:
    """Turn a name nobody registered (a folder, a hub handle) into a preset.

    Return a `simbench.Preset`, or None to let other plugins try. The first
    non-None answer wins. Example: the built-in KerasHub plugin accepts any
    local folder that holds a KerasHub preset or a Hugging Face checkpoint.
    """


@hookspec
def simbench_update_run_metadata(metadata: dict) -> None:
    """Change the environment block of each result in place.

    Example: add the name of the cluster queue a run came from::

        @hookimpl
        def simbench_update_run_metadata(metadata):
            metadata["queue"] = os.environ.get("SLURM_JOB_PARTITION")
    """
