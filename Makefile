# Thin wrappers around tasks.py, which needs nothing but Python 3.11.
PYTHON ?= python3
# e.g. make report REPORT_ARGS=--hide-code
REPORT_ARGS ?=
LAB_ARGS ?=

.PHONY: setup lab report report-export test test-quick
setup:
	$(PYTHON) tasks.py setup
# the chapters in JupyterLab, e.g. make lab LAB_ARGS="--no-browser --port 8899"
lab:
	$(PYTHON) tasks.py lab $(LAB_ARGS)
report:
	$(PYTHON) tasks.py report $(REPORT_ARGS)
report-export:
	$(PYTHON) tasks.py report --export-only $(REPORT_ARGS)
test:
	$(PYTHON) tasks.py test
# pytest -m "not slow": no chapter runs, no book, no long training
test-quick:
	$(PYTHON) tasks.py test --quick
