"""The course registry, course.toml: every chapter and lab, in reading order, and what the tooling needs to
know about each (its notebook, the test session that compares it, its mutants, its cost on AWS).

    python -m serverless_workbook.common.registry notebooks kernel   # the notebooks `make test` compares in a session
    python -m serverless_workbook.common.registry notebooks server

Only the standard library: the Makefile calls it, and models (the cost estimate) read it from below.
"""
from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "course.toml"
SESSIONS = ("kernel", "server")


@dataclass(frozen=True)
class Entry:
    """One chapter or lab of course.toml."""

    kind: str  # "chapter" or "lab"
    number: int
    title: str
    notebook: str
    compared_in: tuple[str, ...]
    nbval_seconds: float
    minutes: int = 0
    summary: str = ""
    book: str = ""
    workspace: str = ""
    mutants: str = ""
    stack_prefix: str = ""
    videos: int = 0

    @property
    def name(self) -> str:
        """As prose names it: "chapter 2", "lab 2"."""
        return f"{self.kind} {self.number}"

    @property
    def path(self) -> Path:
        return ROOT / self.notebook

    @property
    def released(self) -> Path:
        """A lab's student version, generated into labs/ under the solution's name."""
        if self.kind != "lab":
            raise ValueError(f"{self.name} is not a lab: it has no student version")
        return ROOT / "labs" / Path(self.notebook).name

    @property
    def stem(self) -> str:
        return Path(self.notebook).stem


class RegistryError(ValueError):
    """course.toml says something the tooling cannot use."""


@cache
def entries() -> tuple[Entry, ...]:
    data = tomllib.loads(REGISTRY.read_text(encoding="utf-8"))
    found = []
    for kind in ("chapter", "lab"):
        for fields in data.get(kind, []):
            try:
                entry = Entry(kind, **{**fields, "compared_in": tuple(fields.get("compared_in", ()))})
            except TypeError as error:
                raise RegistryError(f"course.toml, {kind} {fields.get('number')}: {error}") from None
            unknown = set(entry.compared_in) - set(SESSIONS)
            if unknown or not entry.compared_in:
                raise RegistryError(f"course.toml, {entry.name}: compared_in must name some of {SESSIONS}, "
                                    f"found {list(entry.compared_in)}")
            found.append(entry)
    # Reading order: a chapter, then its lab.
    return tuple(sorted(found, key=lambda e: (e.number, e.kind != "chapter")))


def chapters() -> list[Entry]:
    return [e for e in entries() if e.kind == "chapter"]


def labs() -> list[Entry]:
    return [e for e in entries() if e.kind == "lab"]


def lab_of(chapter: Entry) -> Entry | None:
    return next((lab for lab in labs() if lab.number == chapter.number), None)


def compared_in(session: str) -> list[Entry]:
    """The notebooks a `make test` session compares, the longest first."""
    if session not in SESSIONS:
        raise RegistryError(f"no session {session!r}: the sessions are {SESSIONS}")
    return sorted((e for e in entries() if session in e.compared_in), key=lambda e: -e.nbval_seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="What course.toml says, for the Makefile.")
    commands = parser.add_subparsers(dest="command", required=True)
    notebooks = commands.add_parser("notebooks", help="the notebooks a make-test session compares, longest first")
    notebooks.add_argument("session", choices=SESSIONS)
    args = parser.parse_args(argv)
    print(" ".join(e.notebook for e in compared_in(args.session)))


if __name__ == "__main__":
    main()
