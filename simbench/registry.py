"""One registry type for presets, recipes and datasets."""

import difflib
from typing import Dict, Generic, Iterator, List, TypeVar

from simbench.errors import DuplicateNameError, UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind, each remembering the plugin that added it.

    Args:
        kind: str. Singular noun used in messages, e.g. "preset".
        list_command: str. The command that lists every valid name.
    """

    def __init__(self, kind: str, list_command: str):
        self.kind = kind
        self.list_command = list_command
        self._entries: Dict[str, T] = {}
        self._providers: Dict[str, str] = {}

    def register(self, entry: T, plugin: str) -> None:
        name = getattr(entry, "name", None)
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"Plugin '{plugin}' registered a {self.kind} without a name: "
                f"{entry!r}. Give it a non-empty `name`."
            )
        if name in self._entries:
            raise DuplicateNameError(
                f"The {self.kind} '{name}' is registered twice: by plugin "
                f"'{self._providers[name]}' and by plugin '{plugin}'. Rename one "
                f"of them, or leave one plugin out with SIMBENCH_LOAD_PLUGINS."
            )
        self._entries[name] = entry
        self._providers[name] = plugin

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        message = f"Unknown {self.kind} '{name}'."
        close = difflib.get_close_matches(name, list(self._entries), n=3)
        if close:
            message += " Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
        count = len(self._entries)
        noun = self.kind if count == 1 else self.kind + "s"
        message += f" Run '{self.list_command}' to see all {count} registered {noun}."
        return message

    def provider(self, name: str) -> str:
        return self._providers[name]

    def names(self) -> List[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries[n] for n in self.names())

    def __len__(self) -> int:
        return len(self._entries)
