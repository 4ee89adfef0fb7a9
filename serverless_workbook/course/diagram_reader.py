"""Read a drawn ``diagrams.Diagram`` back as labelled nodes and edges, so that a check can mark what a
learner drew (lab 1) without looking at pixels: ``describe(diagram)`` parses the DOT source Graphviz gets.
"""
from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from diagrams import Diagram, Node


@dataclass
class Architecture:
    """What a diagram shows: ``nodes`` maps each label to the kind of its icon
    (``"aws.compute.Lambda"``), ``edges`` holds ``(from, to)`` label pairs in
    the direction the arrow points. An edge drawn with ``-`` (no arrow) or with
    arrows at both ends is recorded both ways.
    """

    nodes: dict[str, str] = field(default_factory=dict)
    edges: set[tuple[str, str]] = field(default_factory=set)

    def labels(self, kind: str) -> list[str]:
        """Labels of the nodes of ``kind``, named as in ``nodes`` or as imported:
        with or without its module, and by any alias diagrams gives the class
        (``"S3"``, ``"DDB"``; ``"APIGateway"`` matches aws.network's and aws.mobile's)."""
        return [label for label, k in self.nodes.items() if _is_kind(k, kind)]

    def has_chain(self, *kinds: str, directed: bool = True) -> bool:
        """Whether some path visits nodes of these kinds in this order, e.g.
        ``has_chain("APIGateway", "Lambda", "Dynamodb")``."""
        def linked(a: str, b: str) -> bool:
            return (a, b) in self.edges or (not directed and (b, a) in self.edges)

        def extend(path: list[str], rest: tuple[str, ...]) -> bool:
            if not rest:
                return True
            return any(
                extend(path + [nxt], rest[1:])
                for nxt in self.labels(rest[0])
                if nxt not in path and linked(path[-1], nxt)
            )

        return bool(kinds) and any(extend([start], kinds[1:]) for start in self.labels(kinds[0]))

    def __repr__(self) -> str:
        # Sorted, because a set's order changes from one process to the next
        # and notebooks' stored outputs are compared text for text.
        edges = ", ".join(f"{a!r} -> {b!r}" for a, b in sorted(self.edges))
        return f"Architecture(nodes={self.nodes!r}, edges={{{edges}}})"


def describe(diagram: Diagram) -> Architecture:
    """Read a drawn diagram (after its ``with`` block) back from its DOT source.

    Labels are the node labels with line breaks turned into spaces; a node
    without a label is named after its icon's class; repeated labels get
    " (2)", " (3)", ... in the order the nodes were drawn.
    """
    statements = _DotParser(diagram.dot.source).statements()
    names: dict[str, str] = {}  # DOT node id -> label
    arch = Architecture()

    def declare(node_id: str, attrs: dict[str, str]) -> str:
        if node_id not in names:
            kind = _kind(attrs.get("image", ""))
            label = _plain(attrs.get("label", node_id)) or kind.rsplit(".", 1)[-1]
            unique, n = label, 1
            while unique in arch.nodes:
                n += 1
                unique = f"{label} ({n})"
            names[node_id] = unique
            arch.nodes[unique] = kind
        return names[node_id]

    for ids, attrs in statements:
        if len(ids) == 1:
            declare(ids[0], attrs)
            continue
        direction = attrs.get("dir", "forward")  # a digraph's default
        for tail, head in zip(ids, ids[1:]):
            a, b = declare(tail, {}), declare(head, {})
            if direction in ("forward", "both", "none"):
                arch.edges.add((a, b))
            if direction in ("back", "both", "none"):
                arch.edges.add((b, a))
    return arch


def _is_kind(kind: str, query: str) -> bool:
    module, _, name = kind.rpartition(".")
    query_module, _, query_name = query.rpartition(".")
    if not module or query_module not in ("", module):
        return kind == query
    cls = getattr(importlib.import_module(f"diagrams.{module}"), query_name, None)
    return inspect.isclass(cls) and cls.__name__ == name


def _plain(label: str) -> str:
    if label.startswith("<") and label.endswith(">"):  # an HTML label: keep its text
        label = re.sub(r"<[^>]*>", "", re.sub(r"<br\s*/?>", " ", label[1:-1], flags=re.I))
    return " ".join(re.sub(r"\\[nlr]", " ", label).split())


@lru_cache(maxsize=None)
def _kind(image: str) -> str:
    """``provider.category.Class`` of the diagrams node class whose icon is ``image``.

    diagrams keeps icons at ``resources/<provider>/<category>/<icon>.png``
    mirroring its modules ``diagrams.<provider>.<category>``, and no two
    classes share an icon, so the path names exactly one class.
    """
    if not image:
        return "Node"
    match = re.search(r"(?:^|[/\\])resources[/\\](.+)[/\\]([^/\\]+)$", image)
    if match:
        module_name = "diagrams." + re.sub(r"[/\\]+", ".", match.group(1))
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            module = None
        for cls in vars(module).values() if module else ():
            if (inspect.isclass(cls) and issubclass(cls, Node)
                    and cls.__module__ == module_name and cls._icon == match.group(2)):
                return f"{module_name.removeprefix('diagrams.')}.{cls.__name__}"
    return "custom.Custom"


class _DotParser:
    """Just enough of the DOT grammar for what ``graphviz.Digraph`` writes:
    node and edge statements with attribute lists, attribute statements,
    ``key=value`` and nested subgraphs."""

    _TOKEN = re.compile(
        r"""(?P<skip>\s+|//[^\n]*|/\*.*?\*/|^\#[^\n]*)
          | (?P<quoted>"(?:[^"\\]|\\.)*")
          | (?P<html><)
          | (?P<edgeop>->|--)
          | (?P<id>[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*|-?(?:\.\d+|\d+(?:\.\d*)?))
          | (?P<punct>[\[\]{};,=:])""",
        re.VERBOSE | re.DOTALL | re.MULTILINE,
    )

    def __init__(self, source: str):
        self.tokens = list(self._tokenize(source))
        self.pos = 0

    def _tokenize(self, source: str):
        pos = 0
        while pos < len(source):
            match = self._TOKEN.match(source, pos)
            if not match:
                raise ValueError(f"cannot read DOT at: {source[pos:pos + 40]!r}")
            kind, text = match.lastgroup, match.group()
            pos = match.end()
            if kind == "html":
                depth, end = 1, pos
                while depth:
                    depth += {"<": 1, ">": -1}.get(source[end], 0)
                    end += 1
                yield "id", source[pos - 1:end]
                pos = end
            elif kind == "quoted":
                yield "id", text[1:-1].replace('\\"', '"').replace("\\\n", "")
            elif kind != "skip":
                yield ("id" if kind == "id" else text), text

    def _peek(self, ahead: int = 0) -> tuple[str, str]:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else ("eof", "")

    def _take(self, expected: str | None = None) -> str:
        kind, text = self._peek()
        if expected and kind != expected:
            raise ValueError(f"expected {expected!r} in DOT, found {text or kind!r}")
        self.pos += 1
        return text

    def statements(self) -> list[tuple[list[str], dict[str, str]]]:
        """``([node_id], attrs)`` per node statement, ``([tail, head, ...], attrs)`` per edge."""
        while self._peek()[0] != "{":
            self._take()
        self._take("{")
        found: list[tuple[list[str], dict[str, str]]] = []
        self._block(found)
        return found

    def _block(self, found: list) -> None:
        while (kind := self._peek()[0]) != "}":
            text = self._peek()[1].lower()
            if kind in (";", ","):
                self._take()
            elif kind == "{" or text == "subgraph":
                if text == "subgraph":
                    self._take()
                    if self._peek()[0] == "id":
                        self._take()
                self._take("{")
                self._block(found)
            elif text in ("graph", "node", "edge") and self._peek(1)[0] == "[":
                self._take()
                self._attrs()
            elif kind == "id" and self._peek(1)[0] == "=":
                self._take(), self._take(), self._take("id")
            else:
                ids = [self._node_id()]
                while self._peek()[0] in ("->", "--"):
                    self._take()
                    ids.append(self._node_id())
                found.append((ids, self._attrs()))
        self._take("}")

    def _node_id(self) -> str:
        node_id = self._take("id")
        while self._peek()[0] == ":":  # a port, irrelevant to who connects to whom
            self._take(), self._take("id")
        return node_id

    def _attrs(self) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while self._peek()[0] == "[":
            self._take()
            while self._peek()[0] != "]":
                if self._peek()[0] in (";", ","):
                    self._take()
                    continue
                key = self._take("id")
                self._take("=")
                attrs[key] = self._take("id")
            self._take("]")
        return attrs
