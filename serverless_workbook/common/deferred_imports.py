"""Imports that our dependencies make eagerly, deferred until what they import is first used.

jsonschema imports rfc3987_syntax, when it is installed (JupyterLab's jupyter-events asks for it), for one
function: the check of the "iri" and "iri-reference" string formats. rfc3987_syntax builds its IRI grammar, a
Lark Earley parser, as it is imported: 1.5 s of CPU in every process that imports jsonschema, and every
kernel of the workbook does (moto's CloudFormation imports API Gateway's models, which import
openapi-spec-validator). That was a tenth of the test suite's CPU time. The stand-in gives jsonschema the
function it imports; the real module is imported the first time the function is called, so a format check
behaves as it always did.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any, Callable

_lock = threading.Lock()


def defer(module: str, functions: tuple[str, ...]) -> None:
    """Stand in for `module` (when installed and not yet imported) until one of its `functions` is called."""
    if module in sys.modules or importlib.util.find_spec(module) is None:
        return
    stand_in = types.ModuleType(module, f"Stands in for {module} until it is used (serverless_workbook.common."
                                        "deferred_imports).")

    def real() -> types.ModuleType:
        with _lock:
            if sys.modules.get(module) is stand_in:
                del sys.modules[module]
            return importlib.import_module(module)

    def deferred(name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(real(), name)(*args, **kwargs)
        call.__name__ = call.__qualname__ = name
        return call

    for name in functions:
        setattr(stand_in, name, deferred(name))
    sys.modules[module] = stand_in


defer("rfc3987_syntax", ("is_valid_syntax",))
