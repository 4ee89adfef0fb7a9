# The README's two commands are `make lab` and `make test`; each sets up
# whatever is missing first. The other targets are for instructors.
PY := .venv/bin/python
NBVAL_FLAGS := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test setup grade labs diagrams

lab:
	scripts/lab.sh

# The notebooks run as on another machine (other encoder settings, so other
# media bytes): a stored output that depends on this machine's encoder fails.
test:
	scripts/setup.sh --test
	WORKBOOK_ENCODE_PROFILE=another-machine .venv/bin/pytest $(NBVAL_FLAGS) tests chapters solutions

setup:
	scripts/setup.sh --test

# make grade                       every lab in labs/
# make grade LAB=labs/lab01-....ipynb   one lab
LAB ?= $(wildcard labs/*.ipynb)
grade: setup
	$(PY) -m serverless_workbook.grading $(LAB)

labs: setup
	$(PY) -m serverless_workbook.labgen

diagrams: setup
	$(PY) -m serverless_workbook.figures
