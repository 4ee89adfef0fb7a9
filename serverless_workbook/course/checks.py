"""The checks a lab's check cells run, in the learner's kernel.

In a check cell::

    with exercise("1.2", "Lambda's monthly cost") as ex:
        ex.expect_own_work(lambda_cost, "costs.lambda_monthly_cost")
        ex.expect_close("the cost of 5M requests", lambda_cost(...), 12.34)

passes with one deterministic line, or raises ExerciseFailed whose message says what was expected and
what was found. Each check also records its verdict in the kernel; `report()` shows them all as one
structured output, which is how the grading command (course.grading) and the warm-lab tests learn what
every check concluded.
"""
from __future__ import annotations

import ast
import inspect
import linecache
import math
import re
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from IPython import get_ipython
from IPython.display import display

from serverless_workbook.course.lab_format import NotSaved


class ExerciseFailed(AssertionError):
    """A check that did not pass; the message says what to fix."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows for it: the message, after the traceback of the learner's own error if one
        caused it, but without the frames of the check machinery (contextlib, this module), which buried
        the message under thirty lines."""
        shown = []
        if self.__cause__ is not None:
            cause = traceback.TracebackException.from_exception(self.__cause__)
            cause.stack = traceback.StackSummary.from_list([f for f in cause.stack if f.filename != __file__])
            shown = [_cell_names(line) for line in cause.format()]
        return "".join([*shown, f"{type(self).__name__}: {self}"]).splitlines()


def _cell_names(text: str) -> str:
    """Frames of notebook cells named as IPython names them ("Cell In[3], line 8"), not by the kernel's
    temporary file."""
    ipython = get_ipython()
    if ipython is None:
        return text

    def name(frame: re.Match) -> str:
        cell = ipython.compile.format_code_name(frame.group(1))
        return f"{cell[0]} {cell[1]}, line {frame.group(2)}" if cell else frame.group(0)

    return re.sub(r'File "([^"]+)", line (\d+)', name, text)


def answer_source(answer: Any) -> str:
    """The code a check inspects: a source text, a file (a handler), or all of the cell a function was defined in."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Path):
        return answer.read_text()
    # A notebook cell's code is in linecache under the kernel's cell file name; the whole cell is the answer,
    # so an alias made next to the function is seen too.
    return "".join(linecache.getlines(inspect.getsourcefile(answer) or "")) or inspect.getsource(answer)


def shortcuts(source: str, helpers: tuple[str, ...]) -> list[tuple[str, int]]:
    """(helper, line) for every place the code reaches one of the helpers.

    A helper is "module.function" (reached by `module.function`, an import of it, or its bare
    name) or a bare module or package name (reached by importing it). Matching the module
    as well as the name keeps `idp.sign_up(...)`, boto3's method, apart from `catalogue.sign_up`.
    """
    tree = ast.parse(source)
    # The learner's own functions may share a helper's name (their sign_in is not catalogue.sign_in).
    own = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found = []
    for helper in helpers:
        module, _, name = helper.rpartition(".")
        short = module.rsplit(".", 1)[-1]
        aliases = {short}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    path = ((node.module or "") + "." if isinstance(node, ast.ImportFrom) else "") + alias.name
                    parts = path.split(".")
                    if not module and name in parts:
                        found.append((helper, node.lineno))
                    elif module and parts[-1] == name and short in parts[:-1]:
                        found.append((helper, node.lineno))
                    elif module and parts[-1] == short:
                        aliases.add(alias.asname or alias.name.split(".")[0])
        if not module:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == name:
                base = node.value
                base_name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
                if base_name in aliases:
                    found.append((helper, node.lineno))
            elif isinstance(node, ast.Name) and node.id == name and name not in own:
                found.append((helper, node.lineno))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                  and any(isinstance(a, ast.Constant) and a.value == name for a in node.args)):
                found.append((helper, node.lineno))
    return sorted(set(found), key=lambda hit: (hit[1], hit[0]))


class Expectations:
    def __init__(self, exercise_id: str) -> None:
        self.exercise_id = exercise_id

    def fail(self, message: str) -> None:
        raise ExerciseFailed(f"Exercise {self.exercise_id}: {message}")

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            self.fail(message)

    def expect_equal(self, what: str, found, expected) -> None:
        if found != expected:
            self.fail(f"expected {what} to be {expected!r} but found {found!r}")

    def expect_close(self, what: str, found, expected: float, rel: float = 1e-6, abs_tol: float = 1e-9) -> None:
        if not isinstance(found, (int, float)) or not math.isclose(found, expected, rel_tol=rel, abs_tol=abs_tol):
            self.fail(f"expected {what} to be {expected:,.6g} but found {found!r}")

    def expect_own_work(self, answer: Any, *helpers: str, why: str = "is the answer, not a way to it") -> None:
        """Refuse an answer that calls a library helper which *is* the exercise's answer.

        `answer` is the learner's function (its whole cell is read), a handler file, or source text;
        `helpers` are dotted names such as "pipeline_run.upload_and_wait". Helpers stay importable
        because later exercises use them; they just cannot satisfy the exercise they solve.
        """
        if callable(answer) and getattr(answer, "__module__", "").startswith("serverless_workbook"):
            self.fail(f"write this yourself: {answer.__module__}.{answer.__name__} {why}")
        try:
            hits = shortcuts(answer_source(answer), helpers)
        except SyntaxError as error:
            self.fail(f"your answer's code could not be read: {error.msg} (line {error.lineno})")
        except (TypeError, OSError):
            self.fail(f"expected a function written in the notebook, found {answer!r}")
        for helper, line in hits:
            self.fail(f"write this yourself: {helper} {why} (line {line} of your answer)")

    def expect_judgement(self, answer: Any, judgement: Any) -> None:
        """A decision with reasons, marked against a judgement.Judgement; the message explains each mistake."""
        problems = judgement.problems(answer)
        if problems:
            self.fail("; ".join(problems))


# What each check cell of this kernel last concluded, by exercise id: the grading command and the warm-lab
# tests read it through report(), so pass or fail never has to be found in printed text.
_verdicts: dict[str, dict[str, Any]] = {}
VERDICTS_MIME = "application/vnd.serverless-workbook.verdicts+json"


def report() -> None:
    """Show every verdict of this kernel as one output of VERDICTS_MIME, for the command that ran the lab."""
    display({VERDICTS_MIME: dict(_verdicts)}, raw=True)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


@contextmanager
def exercise(exercise_id: str, title: str) -> Iterator[Expectations]:
    """Runs one exercise's check: one line on success, an actionable error otherwise."""
    # A check interrupted before it concludes (a timeout, a dead kernel) must not leave an earlier verdict standing.
    _verdicts.pop(exercise_id, None)
    try:
        with _failing_as_exercise(exercise_id):
            yield Expectations(exercise_id)
    except ExerciseFailed as failed:
        _verdicts[exercise_id] = {"passed": False, "message": _first_line(str(failed))}
        raise
    passed = f"Exercise {exercise_id} passed: {title}"
    _verdicts[exercise_id] = {"passed": True, "message": passed}
    print(passed)


@contextmanager
def _failing_as_exercise(exercise_id: str) -> Iterator[None]:
    """Any error of the check, or of the learner's code it calls, as an ExerciseFailed that says what to do."""
    try:
        yield
    except ExerciseFailed:
        raise
    except NotImplementedError:
        raise ExerciseFailed(
            f"Exercise {exercise_id} is not done yet: its code cell still raises NotImplementedError. "
            "Write your answer in place of the stub, run that cell, then run this check again."
        ) from None
    except NotSaved as err:
        raise ExerciseFailed(f"Exercise {exercise_id}: {err}, then run this check again.") from None
    except NameError as err:
        raise ExerciseFailed(
            f"Exercise {exercise_id}: {err}. Run the exercise's code cell and the cells above it first "
            "(if one of them failed, fix that one first)."
        ) from err
    except Exception as err:
        raise ExerciseFailed(f"Exercise {exercise_id}: your code raised {type(err).__name__}: {err}") from err
