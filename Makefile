# The README's two commands are `make lab` and `make test`; each sets up
# whatever is missing first. The other targets are for instructors.
PY := .venv/bin/python
NBVAL_FLAGS := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg
# One worker per core; loadscope keeps each notebook, and each test class or
# module, on one worker (labs run by tests get a folder of their own), handing
# them out in the order collected: the longest first (tests/conftest.py, and
# the order of MEDIA_NOTEBOOKS). A test that hangs fails after 10 minutes
# instead of holding up the run.
PARALLEL := -n auto --dist loadscope --no-loadscope-reorder --timeout=600

.PHONY: lab test setup grade labs diagrams execute

lab:
	scripts/lab.sh

# The notebooks run as on another machine (other encoder settings), in two
# sessions. First the unit tests, the lab tests and the notebooks in the
# kernel's local cloud; then the notebooks that show media with Debian's ffmpeg
# instead of the wheel's, against moto as an HTTP server in another region and
# account (the AWS-shaped run: whatever assumes us-east-1 or moto's default
# account fails there). A stored output that depends on this machine's
# encoder, region or account fails either way. The media labs are compared in
# the second session only: the lab tests run them in the kernel's local cloud
# (every check, every trial); so is chapter 5, which always runs on moto's
# server. Last, setup and a quick subset under every other supported Python.
# MEDIA_NOTEBOOKS lists them roughly longest first (chapter 5 takes 26 s, chapter 3 11 s).
COMPARED_ON_THE_SERVER_ONLY := chapters/05-parallel-computing.ipynb solutions/lab05-parallel-encode.ipynb \
	solutions/lab03-video-api.ipynb solutions/lab02-video-pipeline.ipynb
MEDIA_NOTEBOOKS := $(COMPARED_ON_THE_SERVER_ONLY) chapters/02-event-driven-pipeline.ipynb chapters/03-serverless-api.ipynb
IN_KERNEL_NOTEBOOKS := $(filter-out $(COMPARED_ON_THE_SERVER_ONLY),$(wildcard chapters/*.ipynb solutions/*.ipynb))
ANOTHER_MACHINE := WORKBOOK_ENCODE_PROFILE=another-machine
AWS_SHAPED := WORKBOOK_TARGET=local-server WORKBOOK_AWS_REGION=eu-west-1 MOTO_ACCOUNT_ID=210987654321
test:
	scripts/setup.sh --test
	$(ANOTHER_MACHINE) .venv/bin/pytest $(NBVAL_FLAGS) $(PARALLEL) --durations=10 tests $(IN_KERNEL_NOTEBOOKS)
	$(ANOTHER_MACHINE) $(AWS_SHAPED) IMAGEIO_FFMPEG_EXE=/usr/bin/ffmpeg .venv/bin/pytest $(NBVAL_FLAGS) $(PARALLEL) -q \
		$(MEDIA_NOTEBOOKS)
	scripts/check_pythons.sh

setup:
	scripts/setup.sh --test

# make grade                       every lab in labs/
# make grade LAB=labs/lab01-....ipynb   one lab
LAB ?= $(wildcard labs/*.ipynb)
grade: setup
	$(PY) -m serverless_workbook.course.grading $(LAB)

# make execute NB="chapters/02-....ipynb solutions/lab02-....ipynb"
execute: setup
	$(PY) -m serverless_workbook.course.notebook_runner $(NB)

labs: setup
	$(PY) -m serverless_workbook.course.labgen

diagrams: setup
	$(PY) -m serverless_workbook.models.figures
