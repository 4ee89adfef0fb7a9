"""The one way a gap filler replaces moto's attributes while the local cloud is installed, and puts them back."""
from __future__ import annotations

from typing import Any


class Replacements:
    """Attributes (owner, name, replacement) set by install() and restored by uninstall()."""

    def __init__(self, *replacements: tuple[Any, str, Any]) -> None:
        self._wanted = replacements
        self._originals: list[tuple[Any, str, Any]] = []

    def install(self) -> None:
        if self._originals:
            return  # installed already: a second connect in the process shares the first's
        for owner, name, replacement in self._wanted:
            self._originals.append((owner, name, getattr(owner, name)))
            setattr(owner, name, replacement)

    def uninstall(self) -> None:
        while self._originals:
            owner, name, original = self._originals.pop()
            setattr(owner, name, original)
