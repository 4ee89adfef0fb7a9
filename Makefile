# The README's two commands are `make lab` and `make test`; each sets up whatever is missing first.
# The other targets are for instructors: `make help` lists them. pytest's own settings are in pyproject.toml.
PY := .venv/bin/python
# The notebooks a make-test session compares, longest first, as course.toml lists them. Read when the recipe
# runs (the venv exists by then), and a failure to read stops the recipe instead of leaving the list empty.
NOTEBOOKS_OF = notebooks=$$($(PY) -m serverless_workbook.common.registry notebooks $(1)) &&
# The notebooks run as on another machine (other encoder settings): a stored output that depends on this
# machine's encoder fails.
ANOTHER_MACHINE := WORKBOOK_ENCODE_PROFILE=another-machine
# The AWS-shaped session: moto as an HTTP server in another region and account, and Debian's ffmpeg instead of
# the wheel's: whatever assumes us-east-1, moto's default account or one ffmpeg build fails there.
AWS_SHAPED := WORKBOOK_TARGET=local-server WORKBOOK_AWS_REGION=eu-west-1 MOTO_ACCOUNT_ID=210987654321 \
	IMAGEIO_FFMPEG_EXE=/usr/bin/ffmpeg

# Some machines set PYTHONDONTWRITEBYTECODE (container images do). Then every process of the suite compiled the
# workbook's modules again and pytest rewrote its plugins' asserts again (schemathesis and hypothesis, 400 modules):
# 4 s of every pytest process and 0.3 s of every kernel. The caches go to __pycache__ (git ignores it).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help lab test test-kernel test-server test-pythons unit setup grade labs course-map diagrams execute book

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 24

lab: ## open the workbook in JupyterLab on the local cloud
	scripts/lab.sh

# Both sessions, then setup and a quick subset under every other supported Python, one after another: run beside
# session 2 (make -j2), the subsets took three times as long and the whole no less.
test: test-kernel test-server test-pythons ## the whole suite, as CI runs it

test-pythons: setup ## setup and a quick subset under every other supported Python
	scripts/check_pythons.sh

# Both sessions' tests wait a good part of their time (the local cloud's delays, browsers, kernels and sandboxes
# starting), so more workers than cores keep the cores busy. On 2 cores, session 1 took 168-184 s with four workers,
# 197-203 s with three, 175 s with five; session 2 (its encodes keep the cores busier) 65 s with three, 83-84 s with
# two, 68 s with four.
KERNEL_WORKERS := $(shell echo $$(( $$(nproc) + 2 )))
SERVER_WORKERS := $(shell echo $$(( $$(nproc) + 1 )))

# The lab tests run the media labs in the kernel's local cloud (every check, every trial); their stored outputs
# are compared in the AWS-shaped session only, as is chapter 5's, which always runs on moto's server.
test-kernel: setup ## session 1: unit, lab and browser tests, and the notebooks compared in the kernel's local cloud
	$(call NOTEBOOKS_OF,kernel) $(ANOTHER_MACHINE) .venv/bin/pytest --nbval -n $(KERNEL_WORKERS) --durations=10 tests $$notebooks

test-server: setup ## session 2, AWS-shaped: the notebooks that show media
	$(call NOTEBOOKS_OF,server) $(ANOTHER_MACHINE) $(AWS_SHAPED) .venv/bin/pytest --nbval -n $(SERVER_WORKERS) -q $$notebooks

# make unit                        every fast test (under a minute on 2 cores)
# make unit TESTS=tests/course      one folder's (seconds)
TESTS ?= tests
unit: setup ## the fast tests alone (no notebook, lab run, browser or deployed pipeline): TESTS=tests/<folder>
	.venv/bin/pytest -n auto -q -m "not slow" $(TESTS)

setup: ## install what the workbook and its tests need (what is missing only)
	scripts/setup.sh --test

# make grade                            every lab in labs/ (a table per lab, JUnit in reports/)
# make grade LAB=labs/lab01-....ipynb   one lab
# make grade SUBMISSIONS=folder/        a class, each submission sandboxed: gradebook, Canvas import, feedback
#                                       per learner and JUnit per submission, in grades/
# HIDDEN=1                              with the instructor's hidden checks (a class only)
# STRICT=1                              exit with an error unless every exercise passed (for CI)
LAB ?= $(wildcard labs/*.ipynb)
grade: setup ## grade labs as an autograder does: LAB=labs/<lab>.ipynb, or a class: SUBMISSIONS=<folder>
	@if [ -n "$(SUBMISSIONS)" ]; then \
		$(PY) -m serverless_workbook.course.gradebook $(if $(STRICT),--strict) $(if $(HIDDEN),--hidden-checks) \
			"$(SUBMISSIONS)"; \
	else \
		$(PY) -m serverless_workbook.course.grading $(if $(STRICT),--strict) $(LAB); \
	fi

execute: setup ## execute notebooks in place in the pinned environment: NB="chapters/... solutions/..."
	$(PY) -m serverless_workbook.course.notebook_runner $(NB)

labs: setup ## regenerate labs/ from solutions/
	$(PY) -m serverless_workbook.course.labgen

course-map: setup ## rewrite the start page's course map (course.toml) and the parity ledger (start page, README)
	$(PY) -m serverless_workbook.course.course_map
	$(PY) -m serverless_workbook.localcloud.parity

# Rendered from the committed notebooks, never run: seconds. The test suite builds it too (tests/ui/test_book.py),
# and .github/workflows/book.yml publishes it from main.
book: ## the course as a website, offline: build/book/index.html
	scripts/setup.sh
	$(PY) -m serverless_workbook.course.book

diagrams: setup ## re-render every figure in diagrams/
	$(PY) -m serverless_workbook.models.figures
