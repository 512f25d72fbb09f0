# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# The first use of either creates .venv and installs casekit with its test tools.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lab lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# pycanon measures k-anonymity in the tests; it pins pandas 2.x exactly, though
	# its anonymity module needs only pandas and numpy, which casekit brings.
	$(BIN)/python -m pip install --quiet --no-deps "pycanon==1.3.6"
	touch $(STAMP)

# A synthetic store and its two reports in reports/ (demo.db, demo-report.html,
# demo-report-share.html); a real `casekit report` there is never overwritten.
demo: $(STAMP)
	$(BIN)/casekit demo --out reports

# axe-core checks the forms' accessibility in the browser tests (tests/browser.py);
# npm comes with Node.js (.ci/run installs it where it is missing).
AXE := node_modules/axe-core/axe.min.js
$(AXE):
	npm install --prefix "$(CURDIR)" --no-save --no-package-lock --no-audit --no-fund \
		axe-core@4 >/dev/null

# The test files are shared out among the machine's cores, each file whole on one
# (its module fixtures, a store rendered once, are built once); `pytest` alone runs
# them one after another.
test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -n auto --dist loadfile

# JupyterLab on casekit/notebooks/ (127.0.0.1, with a token) on data/casekit.db, or DB=PATH_OR_URL.
lab: $(STAMP)
	$(BIN)/casekit lab $(if $(DB),--db "$(DB)")

lint: $(STAMP)
	$(BIN)/ruff check casekit tests benchmarks tools

# Only what the demo made: real reports in reports/ stay.
clean:
	rm -rf $(VENV) demo .pytest_cache reports/share
	rm -f reports/demo.db reports/demo.db-* reports/demo-report.html reports/demo-report-share.html
