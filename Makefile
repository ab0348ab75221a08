# Thin wrappers around tasks.py, which needs nothing but Python 3.11.
PYTHON ?= python3
# e.g. make report REPORT_ARGS=--hide-code
REPORT_ARGS ?=

.PHONY: setup report report-export test
setup:
	$(PYTHON) tasks.py setup
report:
	$(PYTHON) tasks.py report $(REPORT_ARGS)
report-export:
	$(PYTHON) tasks.py report --export-only $(REPORT_ARGS)
test:
	$(PYTHON) tasks.py test
