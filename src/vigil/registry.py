"""One registry for every extension point: detectors, hashers, sources, exchanges, ….

Vigil's own plugins are built in (a tuple of classes each subpackage hands over); third parties
add theirs through the ``vigil.plugins`` entry-point group. Duplicate names are refused at start-up,
so two plugins can never silently shadow each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points
from typing import Generic, Protocol, TypeVar

from vigil.errors import ConfigurationError, NotFound

ENTRY_POINT_GROUP = "vigil.plugins"


class Named(Protocol):
    name: str


P = TypeVar("P", bound=type)


class Registry(Generic[P]):
    """Plugins of one interface, by their stable ``name``."""

    def __init__(self, interface: type, builtins: Iterable[P] = ()) -> None:
        self.interface = interface
        self._plugins: dict[str, P] = {}
        for plugin in builtins:
            self.register(plugin)

    def register(self, plugin: P) -> P:
        if not (isinstance(plugin, type) and issubclass(plugin, self.interface)):
            raise ConfigurationError(f"{plugin!r} does not implement {self.interface.__name__}")
        name = getattr(plugin, "name", None)
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"plugin {plugin.__name__} has no name")
        if name in self._plugins and self._plugins[name] is not plugin:
            raise ConfigurationError(
                f"two {self.interface.__name__} plugins are both named {name!r}"
            )
        self._plugins[name] = plugin
        return plugin

    def load_entry_points(self) -> None:
        """Add third-party plugins whose entry point targets this interface."""
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            plugin = ep.load()
            if isinstance(plugin, type) and issubclass(plugin, self.interface):
                self.register(plugin)  # type: ignore[arg-type]

    def get(self, name: str) -> P:
        try:
            return self._plugins[name]
        except KeyError:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise NotFound(
                f"no {self.interface.__name__} named {name!r} (known: {known})"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def __iter__(self) -> Iterator[P]:
        return iter(self._plugins.values())

    def __contains__(self, name: object) -> bool:
        return name in self._plugins
