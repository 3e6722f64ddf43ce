"""Find, load and query simbench plugins.

Plugins come from the `simbench` entry-point group, built-ins included.
`SIMBENCH_LOAD_PLUGINS` (comma-separated entry-point names) pins exactly which
ones load, which makes a benchmark run reproducible; set it to an empty string
to load none. `SIMBENCH_PLUGINS` names modules (or `module:Class`) to load as
plugins as well, without installing them.
"""

import dataclasses
import importlib
import logging
import os
import types
from importlib import metadata
from typing import Iterable, List, Optional

import pluggy

from simbench import hookspecs
from simbench.errors import SimbenchError
from simbench.registry import Registry

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "simbench"
LOAD_ENV = "SIMBENCH_LOAD_PLUGINS"
EXTRA_ENV = "SIMBENCH_PLUGINS"


@dataclasses.dataclass
class PluginInfo:
    """What `simbench plugins` shows for one plugin."""

    name: str
    module: str
    distribution: Optional[str] = None
    version: Optional[str] = None
    status: str = "loaded"  # "loaded" or "failed"
    error: Optional[str] = None
    origin: str = "entry point"  # or "SIMBENCH_PLUGINS", or "given" in code


class Plugins:
    """A plugin manager plus the registries its plugins filled.

    Args:
        pm: pluggy.PluginManager. Already holding every plugin to query.
        infos: list of PluginInfo. One per plugin, failed ones included.
    """

    def __init__(self, pm: pluggy.PluginManager, infos: List[PluginInfo],
                 entry_points: bool = True):
        self.pm = pm
        self.infos = infos
        self.entry_points = entry_points
        self.presets = Registry("preset", "simbench list presets")
        self.recipes = Registry("recipe", "simbench list recipes")
        self.datasets = Registry("dataset", "simbench list datasets")
        self._collect("simbench_register_presets", self.presets)
        self._collect("simbench_register_recipes", self.recipes)
        self._collect("simbench_register_datasets", self.datasets)

    def _collect(self, hook_name: str, registry: Registry) -> None:
        # Call each implementation with its own `register`, so the registry
        # knows which plugin supplied every entry.
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            plugin = impl.plugin_name

            def register(entry, _plugin=plugin):
                registry.register(entry, plugin=_plugin)

            try:
                impl.function(register=register)
            except SimbenchError:  # a duplicate or invalid entry: say so
                raise
            except Exception as error:  # a broken plugin must not stop the rest
                self._mark_failed(plugin, f"{hook_name} raised "
                                  f"{type(error).__name__}: {error}")

    def _mark_failed(self, plugin_name: str, error: str) -> None:
        # Limitation: entries the hook registered before it raised are kept.
        logger.warning("Plugin %s failed: %s", plugin_name, error)
        for info in self.infos:
            if info.name == plugin_name or info.module == plugin_name:
                info.status, info.error = "failed", error
                return
        self.infos.append(PluginInfo(name=plugin_name, module=plugin_name,
                                     status="failed", error=error,
                                     origin="given"))

    def get_preset(self, name: str):
        """A registered preset, or one a plugin resolves (e.g. a folder)."""
        if name in self.presets:
            return self.presets.get(name)
        resolved = self.pm.hook.simbench_resolve_preset(name=name)
        if resolved is not None:
            return resolved
        return self.presets.get(name)  # raises with suggestions

    def provider(self, kind: str, name: str) -> dict:
        """{"plugin", "version"} of whoever registered `name`."""
        registry = {"preset": self.presets, "recipe": self.recipes,
                    "dataset": self.datasets}[kind]
        plugin = registry.provider(name) if name in registry else "resolved"
        info = next((i for i in self.infos if i.name == plugin), None)
        return {"plugin": plugin, "version": info.version if info else None}

    def update_run_metadata(self, metadata_: dict) -> None:
        self.pm.hook.simbench_update_run_metadata(metadata=metadata_)

    def spec(self) -> Optional[dict]:
        """How another process rebuilds these plugins (`from_spec`), or None
        when a plugin cannot be imported by name there."""
        # Entry points and SIMBENCH_PLUGINS load again by themselves there.
        loaded = {info.name for info in self.infos if info.origin != "given"}
        extra = []
        for name, plugin in self.pm.list_name_plugin():
            if self.entry_points and name in loaded:
                continue
            reference = import_reference(plugin)
            if reference is None:
                return None
            extra.append(reference)
        return {"entry_points": self.entry_points, "extra": extra}


def import_reference(plugin) -> Optional[str]:
    """"module" for a module plugin, "module:Class" for an instance whose
    class takes no arguments; None when neither can be imported."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    cls = type(plugin)
    if "<locals>" in cls.__qualname__ or cls.__module__ == "__main__":
        return None
    return f"{cls.__module__}:{cls.__qualname__}"


def import_plugin(reference: str):
    """The plugin a reference names: a module, or an instance of a class."""
    module_name, _, qualname = reference.partition(":")
    plugin = importlib.import_module(module_name)
    if qualname:
        for part in qualname.split("."):
            plugin = getattr(plugin, part)
        plugin = plugin()
    return plugin


def from_spec(spec: dict) -> Plugins:
    """The inverse of `Plugins.spec`, run in a worker process."""
    extra = [import_plugin(reference) for reference in spec["extra"]]
    return load_plugins(extra=extra, entry_points=spec["entry_points"])


def _load_from_environment(pm: pluggy.PluginManager) -> List[PluginInfo]:
    """Plugins named in SIMBENCH_PLUGINS ("module" or "module:Class", comma
    separated), like pytest's -p: a plugin in development, not installed."""
    infos = []
    for reference in os.environ.get(EXTRA_ENV, "").split(","):
        reference = reference.strip()
        if not reference:
            continue
        info = PluginInfo(name=reference, module=reference, origin=EXTRA_ENV)
        try:
            pm.register(import_plugin(reference), name=reference)
        except Exception as error:  # reported like a broken entry point
            info.status = "failed"
            info.error = f"{type(error).__name__}: {error}"
            logger.warning("Plugin '%s' failed to load: %s", reference, info.error)
        infos.append(info)
    return infos


def _allowed_names() -> Optional[set]:
    value = os.environ.get(LOAD_ENV)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _load_entry_points(pm: pluggy.PluginManager) -> List[PluginInfo]:
    allowed = _allowed_names()
    infos = []
    found = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    unknown = sorted((allowed or set()) - {e.name for e in found})
    if unknown:
        logger.warning("%s names no installed plugin: %s (installed: %s)",
                       LOAD_ENV, ", ".join(unknown),
                       ", ".join(sorted(e.name for e in found)) or "none")
    for entry_point in found:
        if allowed is not None and entry_point.name not in allowed:
            continue
        dist = entry_point.dist
        info = PluginInfo(
            name=entry_point.name,
            module=entry_point.value,
            distribution=dist.metadata["Name"] if dist else None,
            version=dist.version if dist else None,
        )
        try:
            pm.register(entry_point.load(), name=entry_point.name)
        except Exception as error:  # a broken plugin must not stop the others
            info.status = "failed"
            info.error = f"{type(error).__name__}: {error}"
            logger.warning("Plugin '%s' failed to load: %s", info.name, info.error)
        infos.append(info)
    return infos


def load_plugins(extra: Iterable = (), entry_points: bool = True) -> Plugins:
    """Build a `Plugins` from installed entry points and/or given objects.

    Args:
        extra: plugin objects (modules or instances) to register as well,
            named after their `__name__` or class name.
        entry_points: bool. Load the `simbench` entry-point group. Tests turn
            this off so that nothing installed on the machine leaks in.
    """
    pm = pluggy.PluginManager("simbench")
    pm.add_hookspecs(hookspecs)
    infos = []
    if entry_points:
        infos = _load_entry_points(pm) + _load_from_environment(pm)
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        pm.register(plugin, name=name)
        infos.append(PluginInfo(name=name, module=name, origin="given"))
    pm.check_pending()
    return Plugins(pm, infos, entry_points=entry_points)
