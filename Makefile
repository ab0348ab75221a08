# Thin wrappers around tasks.py, which needs nothing but Python 3.11.
PYTHON ?= python3

.PHONY: setup report test
setup:
	$(PYTHON) tasks.py setup
report:
	$(PYTHON) tasks.py report
test:
	$(PYTHON) tasks.py test
