"""Exercise checks for lab notebooks, and the grading command.

In a check cell::

    with exercise("1.2", "Lambda's monthly cost") as ex:
        ex.expect_close("the cost of 5M requests", lambda_cost(...), 12.34)

passes with one deterministic line, or raises ExerciseFailed whose message
says what was expected and what was found.

From the shell, ``python -m serverless_workbook.grading labs/lab01-....ipynb``
runs each lab given in a fresh kernel, prints a per-exercise table and writes JUnit XML.
"""
from __future__ import annotations

import argparse
import math
import sys
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from serverless_workbook.lab_format import check_of, points_of

CELL_TIMEOUT_S = 600


class ExerciseFailed(AssertionError):
    """A check that did not pass; the message says what to fix."""


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
    except NameError as err:
        raise ExerciseFailed(
            f"Exercise {exercise_id}: {err}. Run the exercise's code cell (and the cells above it) first."
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


def execute(nb: NotebookNode, cwd: Path) -> NotebookNode:
    """Runs every cell in a fresh kernel, carrying on past errors as a learner would."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def results(executed: NotebookNode) -> list[Result]:
    """One result per check cell of an executed notebook."""
    found = []
    for cell in executed.cells:
        exercise_id = check_of(cell)
        if not exercise_id:
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            message = _first_line(errors[0].evalue) or errors[0].ename
            found.append(Result(exercise_id, points_of(cell), False, message))
        else:
            stdout = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
            passed = f"Exercise {exercise_id} passed" in stdout
            message = _first_line(stdout) if passed else "the check printed no pass line; was the cell changed?"
            found.append(Result(exercise_id, points_of(cell), passed, message))
    return found


def grade(path: Path) -> list[Result]:
    nb = nbformat.read(path, as_version=4)
    return results(execute(nb, path.parent))


def table(results_: list[Result], title: str) -> str:
    width = max([len("exercise")] + [len(r.exercise_id) for r in results_])
    lines = [title, f"{'exercise':<{width}}  points  result  message"]
    for r in results_:
        lines.append(f"{r.exercise_id:<{width}}  {r.earned:>2}/{r.points:<3}  "
                     f"{'passed' if r.passed else 'FAILED'}  {r.message}")
    total = sum(r.earned for r in results_)
    possible = sum(r.points for r in results_)
    lines.append(f"{'total':<{width}}  {total:>2}/{possible:<3}  "
                 f"{sum(r.passed for r in results_)} of {len(results_)} exercises passed")
    return "\n".join(lines)


def junit_xml(results_: list[Result], suite: str) -> bytes:
    root = ET.Element("testsuite", name=suite, tests=str(len(results_)),
                      failures=str(sum(not r.passed for r in results_)))
    for r in results_:
        case = ET.SubElement(root, "testcase", classname=suite, name=f"exercise {r.exercise_id}")
        if not r.passed:
            ET.SubElement(case, "failure", message=r.message).text = r.message
        else:
            ET.SubElement(case, "system-out").text = r.message
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grade lab notebooks: run each and score its exercises.")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--reports", type=Path, default=Path("reports"),
                        help="folder for the JUnit XML files (default: reports/)")
    args = parser.parse_args(argv)
    for notebook in args.notebooks:
        if not notebook.is_file():
            parser.error(f"no such notebook: {notebook}")
    all_passed = True
    for notebook in args.notebooks:
        print(f"Running {notebook} in a fresh kernel...", flush=True)
        found = grade(notebook)
        if not found:
            parser.error(f"{notebook} has no exercise checks (cells with workbook.check metadata)")
        print(table(found, f"Grade for {notebook}"))
        junit = args.reports / f"{notebook.stem}.xml"
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(junit_xml(found, notebook.stem))
        print(f"JUnit XML written to {junit}\n")
        all_passed &= all(r.passed for r in found)
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
