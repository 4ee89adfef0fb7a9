"""What the grader refuses in a submission's answer cells, read before any of them runs, outside the kernel.

The checks run in the kernel the answers run in, so an answer could change what a later check sees or does. These
rules read every answer cell with `ast`, in the grading process, where no answer can reach them:

- **The shortcut rule covers the whole submission.** A check refuses an answer that reaches the library helper
  which *is* its exercise's answer (`ex.expect_own_work(answer, "pipeline_run.upload_and_wait", ...)`), in the
  answer's own cell. Here the same helpers, read from the released check cells, are also followed through the
  other answer cells: a module alias imported there, or a name bound there to the helper (an assignment, a
  wrapper function), and used in the answer, refuses the exercise. Another answer may use the helper itself.
- **No answer reaches into the grading.** An answer cell that imports the course machinery (the checks, the
  grading, the judgement exercises' marking key), touches IPython's hooks or the builtins, or builds a reference
  at run time (`importlib`, `__import__`, `sys.modules`, `exec`, `eval`, `compile`, `vars()`, `globals()`,
  `getattr` with a computed name, frames, the garbage collector, `ctypes`) is refused for its exercise.

A refused exercise earns nothing, whatever its check said, and the gradebook flags it.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass

from nbformat import NotebookNode

from serverless_workbook.course.checks import shortcuts
from serverless_workbook.course.lab_format import check_ids, check_of, exercise_of

# Imported, or reached as a name, by an answer that tampers with its grading or builds a reference at run time.
MACHINERY_MODULES = ("serverless_workbook.course", "IPython", "ipykernel", "builtins", "importlib", "ctypes", "gc",
                     "inspect")
HARMLESS_MODULES = ("IPython.display",)  # showing a video or HTML is an answer's business
RUN_TIME_NAMES = frozenset({"get_ipython", "__builtins__", "__import__", "exec", "eval", "compile", "vars", "globals",
                            "locals", "breakpoint", "__loader__", "__spec__"})
# Reached as attributes of any object: the module table, frames, the code of functions.
RUN_TIME_ATTRIBUTES = frozenset({"modules", "_getframe", "f_globals", "f_locals", "f_back", "__globals__",
                                 "__code__", "__dict__", "__subclasses__", "__builtins__"})
NAME_BUILDERS = frozenset({"getattr", "setattr", "delattr", "hasattr"})


@dataclass(frozen=True)
class Refusal:
    exercise_id: str
    reason: str


def helpers_by_exercise(release: NotebookNode) -> dict[str, tuple[str, ...]]:
    """Exercise id -> the dotted helpers its check refuses (string arguments of its expect_own_work calls)."""
    found: dict[str, list[str]] = defaultdict(list)
    for cell in release.cells:
        if not check_of(cell):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "expect_own_work":
                found[check_of(cell)] += [arg.value for arg in node.args[1:]
                                          if isinstance(arg, ast.Constant) and "." in str(arg.value)]
    return {exercise_id: tuple(helpers) for exercise_id, helpers in found.items()}


def refusals(submission: NotebookNode, release: NotebookNode) -> list[Refusal]:
    """Every exercise the submission's answer cells lose, and why, in the release's order."""
    answers = {exercise_of(cell): cell.source for cell in submission.cells
               if exercise_of(cell) and cell.cell_type == "code"}
    trees = {}
    for exercise_id, source in answers.items():
        try:
            trees[exercise_id] = ast.parse(source)
        except SyntaxError:
            continue  # the answer's own check reports it
    found: dict[str, str] = {}
    for exercise_id, tree in trees.items():
        reach = _reaches_grading(tree)
        if reach:
            found[exercise_id] = f"the answer reaches into the grading: {reach}"
    for exercise_id, helpers in helpers_by_exercise(release).items():
        if exercise_id in trees and helpers and exercise_id not in found:
            others = {other: tree for other, tree in trees.items() if other != exercise_id}
            reach = _through_other_answers(trees[exercise_id], others, helpers)
            if reach:
                found[exercise_id] = reach
    return [Refusal(exercise_id, found[exercise_id]) for exercise_id in check_ids(release) if exercise_id in found]


def _through_other_answers(answer: ast.Module, others: dict[str, ast.Module], helpers: tuple[str, ...]) -> str:
    """How the answer reaches one of its exercise's helpers through what another answer cell imported or bound
    ("" when it does not). Other answers may use the helper themselves: it stays theirs to use."""
    own = shortcuts(ast.unparse(answer), helpers)
    if own:
        return f"{own[0][0]} is the answer, not a way to it"
    imports = [node for tree in others.values() for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    prefix = ast.unparse(ast.Module(body=imports, type_ignores=[]))
    for helper, line in shortcuts(f"{prefix}\n{ast.unparse(answer)}", helpers):
        if line > len(prefix.splitlines()):
            return f"{helper} is the answer, not a way to it (reached through a module another answer cell imported)"
    used = {node.id for node in ast.walk(answer) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    for other, tree in others.items():
        for statement in tree.body:
            hits = shortcuts(ast.unparse(statement), helpers)
            bound = _bound(statement) & used
            if hits and bound:
                return (f"{hits[0][0]} is the answer, not a way to it (reached through {sorted(bound)[0]}, "
                        f"which the answer to {other} makes from it)")
    return ""


def _bound(statement: ast.stmt) -> set[str]:
    """The names a top-level statement binds."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    return {node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}


def _reaches_grading(tree: ast.AST) -> str:
    """What in the code reaches the grading machinery or builds a reference at run time ("" when nothing)."""
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _machinery(alias.name):
                    return f"import {alias.name} (line {line})"
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if _machinery(module) or _machinery(f"{module}.{alias.name}"):
                    return f"from {module} import {alias.name} (line {line})"
        elif isinstance(node, ast.Name) and node.id in RUN_TIME_NAMES:
            return f"{node.id} (line {line})"
        elif isinstance(node, ast.Attribute) and node.attr in RUN_TIME_ATTRIBUTES:
            return f".{node.attr} (line {line})"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in NAME_BUILDERS
              and (len(node.args) < 2 or not isinstance(node.args[1], ast.Constant))):
            return f"{node.func.id} with a computed name (line {line})"
    return ""


def _machinery(module: str) -> bool:
    if any(module == name or module.startswith(f"{name}.") for name in HARMLESS_MODULES):
        return False
    return any(module == name or module.startswith(f"{name}.") for name in MACHINERY_MODULES)
