# Developer and CI entry points. CI runs `make test` (through .ci/run) with CI=true.

PYTHON ?= python3
VENV = .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
SUDO = $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.DEFAULT_GOAL := test
.PHONY: venv system-deps lint test run format clean bench messages screenshots

## venv: create .venv and install the package with its dev extras (again only when
## pyproject.toml changes).
venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

## system-deps: Debian packages the Python dependencies and the browser tests need, installed
## when missing: libpq5 (pure-Python psycopg, pulled in by eventsourcing[postgres], loads the
## system libpq at import time); chromium, the browser Playwright drives (never a downloaded
## one); fonts-noto-cjk, without which Chinese renders as empty boxes in the browser;
## fonts-wqy-zenhei, the TrueType Chinese font every PDF the archive draws embeds (ReportLab
## embeds TrueType outlines only; Noto CJK's are CFF), and icc-profiles-free, the sRGB profile
## of its PDF/A output intent; poppler-utils, with which the tests render those PDFs
## (pdftoppm); golang-go and golang-golang-x-mod-dev, Go's own signed-note and
## transparency-log packages, with which a test checks the archive's checkpoints and proofs
## (tests/go/tlogcheck).
system-deps:
	@missing=""; \
	if ! PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null | grep -q 'libpq\.so\.5'; then \
		missing="$$missing libpq5"; \
	fi; \
	if [ ! -x /usr/bin/chromium ]; then missing="$$missing chromium"; fi; \
	if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1; then \
		missing="$$missing fonts-noto-cjk"; \
	fi; \
	if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then \
		missing="$$missing fonts-wqy-zenhei"; \
	fi; \
	if [ ! -f /usr/share/color/icc/sRGB.icc ]; then missing="$$missing icc-profiles-free"; fi; \
	if [ ! -x /usr/bin/pdftoppm ]; then missing="$$missing poppler-utils"; fi; \
	if [ ! -x /usr/bin/go ]; then missing="$$missing golang-go"; fi; \
	if [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb/note ]; then \
		missing="$$missing golang-golang-x-mod-dev"; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy canonical domain archive storage projections api dossier_verify demo
	$(BIN)/lint-imports

# The tests' temporary files (event stores, blobs, keys: over a gigabyte a run) go to memory
# where /dev/shm is writable, sparing the disk their writes and syncs (about 3 % of a run).
# Only the directories of failed tests are kept (pyproject.toml).
TEST_TMPDIR := $(shell [ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "$${TMPDIR:-/tmp}")

# pytest exits 5 when it collects no tests; like any non-zero status, make treats it as failure.
test: venv system-deps lint
	TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest -n 2 --durations=15

run: venv system-deps
	$(BIN)/dossier serve --host 127.0.0.1 --port 8000

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Removes the environment and caches; never the data directory ./var.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
	find . -path ./var -prune -o -name '*.egg-info' -type d -prune -exec rm -rf {} +
	find . -path ./var -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

## messages: extract the web console's message ids into its Chinese catalogue (new ones come
## in empty: translate them there; the catalogue is compiled when the app starts).
messages: venv
	$(BIN)/pybabel extract -F api/web/babel.cfg -k N_ -k t --no-location --sort-output \
		--omit-header -o api/web/locale/messages.pot .
	$(BIN)/pybabel update -i api/web/locale/messages.pot -d api/web/locale -l zh \
		--ignore-obsolete --no-fuzzy-matching --width 100
	rm api/web/locale/messages.pot

## screenshots: the console's main screens, in Debian chromium, into docs/screenshots/.
screenshots: venv system-deps
	DOSSIER_E2E_DEMO_LOANS=40 DOSSIER_SCREENSHOTS_DIR=docs/screenshots \
		$(BIN)/pytest tests/e2e -k 'main_screens or through_the_screens or desk_screens' -p no:randomly -q

## bench: every benchmark (minutes to tens of minutes; figures in docs/performance.md).
bench: venv system-deps
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/rebuild.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/serve_limits.py
	$(BIN)/python bench/console_pages.py
