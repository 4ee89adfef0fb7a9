"""Exercise checks for lab notebooks, and the grading command.

In a check cell::

    with exercise("1.2", "Lambda's monthly cost") as ex:
        ex.expect_own_work(lambda_cost, "costs.lambda_monthly_cost")
        ex.expect_close("the cost of 5M requests", lambda_cost(...), 12.34)

passes with one deterministic line, or raises ExerciseFailed whose message
says what was expected and what was found.

From the shell, ``python -m serverless_workbook.course.grading labs/lab01-....ipynb``
grades each submission as nbgrader's autograde does: the learner's answer cells
(found by their ``workbook.exercise`` metadata) are put into the pristine released
lab, which runs in a fresh kernel, so an edited, deleted or added check cell
changes nothing. It prints a per-exercise table, says where the submission's
checks differ from the release, and writes JUnit XML.
"""
from __future__ import annotations

import argparse
import ast
import inspect
import linecache
import math
import re
import sys
import traceback
import xml.etree.ElementTree as ET
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import nbformat
from IPython import get_ipython
from nbclient import NotebookClient
from nbformat import NotebookNode

from serverless_workbook.course import scratch_folder
from serverless_workbook.course.lab_format import NotSaved, check_of, exercise_of, points_of
from serverless_workbook.course.labgen import LABS as RELEASE

CELL_TIMEOUT_S = 600


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


@contextmanager
def exercise(exercise_id: str, title: str) -> Iterator[Expectations]:
    """Runs one exercise's check: one line on success, an actionable error otherwise."""
    try:
        yield Expectations(exercise_id)
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
    print(f"Exercise {exercise_id} passed: {title}")


@dataclass(frozen=True)
class Result:
    exercise_id: str
    points: int
    passed: bool
    message: str

    @property
    def earned(self) -> int:
        return self.points if self.passed else 0


def execute(nb: NotebookNode, folder: Path) -> NotebookNode:
    """Runs every cell in a fresh kernel, carrying on past errors as a learner would.

    The kernel runs in a stand-in for `folder`, so the learner's own workspace/ there is left as it was.
    """
    with scratch_folder.folder_like(folder) as cwd:
        client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": str(cwd)}})
        client.execute()
    return nb


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def verdict(cell: NotebookNode) -> Result:
    """The result an executed check cell shows."""
    exercise_id = check_of(cell)
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if errors:
        return Result(exercise_id, points_of(cell), False, _first_line(errors[0].evalue) or errors[0].ename)
    stdout = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    passed = f"Exercise {exercise_id} passed" in stdout
    message = _first_line(stdout) if passed else "the check printed no pass line"
    return Result(exercise_id, points_of(cell), passed, message)


def results(executed: NotebookNode) -> list[Result]:
    """One result per check cell of an executed notebook."""
    return [verdict(cell) for cell in executed.cells if check_of(cell)]


def splice(submission: NotebookNode, release: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """The released lab with the submission's answer cells in place of its stubs, and notes on what differs.

    Only answer cells come from the submission: its check cells, and any cell it added, are
    not run (the notes say so), so the released checks mark the learner's answers.
    """
    notes = []
    answers: dict[str, list[NotebookNode]] = defaultdict(list)
    checks: dict[str, list[NotebookNode]] = defaultdict(list)
    for cell in submission.cells:
        if exercise_of(cell):
            answers[exercise_of(cell)].append(cell)
        if check_of(cell):
            checks[check_of(cell)].append(cell)
    graded = nbformat.from_dict(release)
    released_answers = {exercise_of(c) for c in graded.cells if exercise_of(c)}
    for cell in graded.cells:
        exercise_id = exercise_of(cell)
        if not exercise_id:
            continue
        mine = answers.get(exercise_id)
        if not mine:
            notes.append(f"{exercise_id}: no answer cell marked {exercise_id} in the submission; graded as not done")
            continue
        if len(mine) > 1:
            notes.append(f"{exercise_id}: {len(mine)} cells are marked as its answer; graded the last one")
        cell.source = mine[-1].source
    for exercise_id in sorted(set(answers) - released_answers):
        notes.append(f"{exercise_id}: answer cell for an exercise the lab does not have; not run")
    released_checks = {check_of(c): c.source for c in graded.cells if check_of(c)}
    for exercise_id, source in released_checks.items():
        mine = checks.get(exercise_id, [])
        if not mine:
            notes.append(f"{exercise_id}: check cell deleted; the released check was run")
        elif all(c.source.strip() != source.strip() for c in mine):
            notes.append(f"{exercise_id}: check cell edited; the released check was run")
        if len(mine) > 1:
            notes.append(f"{exercise_id}: check cell added ({len(mine)} cells check it); the released check was run")
    for exercise_id in sorted(set(checks) - set(released_checks)):
        notes.append(f"{exercise_id}: check cell added for an exercise the lab does not have; not run")
    released_sources = {c.source.strip() for c in release.cells}
    extra = [c for c in submission.cells if c.cell_type == "code" and not exercise_of(c) and not check_of(c)
             and c.source.strip() and c.source.strip() not in released_sources]
    if extra:
        notes.append(f"{len(extra)} code cell(s) of yours outside the answer cells were not run")
    return graded, notes


def release_of(submission_path: Path, release_dir: Path = RELEASE) -> Path:
    released = release_dir / submission_path.name
    if not released.is_file():
        raise FileNotFoundError(f"no released lab named {submission_path.name} in {release_dir}; "
                                "keep the lab's file name, or pass --release with the folder of the released labs")
    return released


def grade(path: Path, release_dir: Path = RELEASE) -> tuple[list[Result], list[str]]:
    """Run the submission's answers inside the released lab; its results and the notes on what differs."""
    released = release_of(path, release_dir)
    graded, notes = splice(nbformat.read(path, as_version=4), nbformat.read(released, as_version=4))
    # The released lab's folder: its relative paths (../diagrams, workspace/) resolve as in the release.
    return results(execute(graded, released.parent)), notes


def table(results_: list[Result], title: str, notes: list[str] = ()) -> str:
    width = max([len("exercise")] + [len(r.exercise_id) for r in results_])
    lines = [title, f"{'exercise':<{width}}  points  result  message"]
    for r in results_:
        lines.append(f"{r.exercise_id:<{width}}  {r.earned:>2}/{r.points:<3}  "
                     f"{'passed' if r.passed else 'FAILED'}  {r.message}")
    total = sum(r.earned for r in results_)
    possible = sum(r.points for r in results_)
    lines.append(f"{'total':<{width}}  {total:>2}/{possible:<3}  "
                 f"{sum(r.passed for r in results_)} of {len(results_)} exercises passed")
    if notes:
        lines.append("The submission differs from the released lab:")
        lines += [f"  {note}" for note in notes]
    return "\n".join(lines)


def junit_xml(results_: list[Result], suite: str, notes: list[str] = ()) -> bytes:
    root = ET.Element("testsuite", name=suite, tests=str(len(results_)),
                      failures=str(sum(not r.passed for r in results_)))
    for r in results_:
        case = ET.SubElement(root, "testcase", classname=suite, name=f"exercise {r.exercise_id}")
        if not r.passed:
            ET.SubElement(case, "failure", message=r.message).text = r.message
        else:
            ET.SubElement(case, "system-out").text = r.message
    if notes:
        ET.SubElement(root, "system-out").text = "\n".join(notes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Grade lab submissions: their answer cells run inside the released lab, which scores them.")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--release", type=Path, default=RELEASE,
                        help="folder of the released labs, matched by file name (default: labs/)")
    parser.add_argument("--reports", type=Path, default=Path("reports"),
                        help="folder for the JUnit XML files (default: reports/)")
    args = parser.parse_args(argv)
    for notebook in args.notebooks:
        if not notebook.is_file():
            parser.error(f"no such notebook: {notebook}")
        try:
            release_of(notebook, args.release)
        except FileNotFoundError as error:
            parser.error(str(error))
    all_passed = True
    for notebook in args.notebooks:
        print(f"Running the answers of {notebook} in the released lab, in a fresh kernel...", flush=True)
        found, notes = grade(notebook, args.release)
        if not found:
            parser.error(f"{notebook} has no exercise checks (cells with workbook.check metadata)")
        print(table(found, f"Grade for {notebook}", notes))
        junit = args.reports / f"{notebook.stem}.xml"
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(junit_xml(found, notebook.stem, notes))
        print(f"JUnit XML written to {junit}\n")
        all_passed &= all(r.passed for r in found)
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
