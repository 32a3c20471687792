# Two entry points for a newcomer: `make run` (the product on its embedded host) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser fonts services run test bench lint

setup: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,dev]'
	touch $@

# Debian's Chromium, for the real-browser test (Playwright drives the system browser).
browser:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

# DejaVu Sans and Sans Mono, embedded in the PDFs (Unicode names; logins in monospace).
fonts:
	@[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-dejavu-core)

# Debian's PostgreSQL 15 and Redis, for the ledger and deployment tests (each test starts its own
# private server on a free loopback port; none is left running).
services:
	@(test -x /usr/lib/postgresql/15/bin/initdb && command -v redis-server >/dev/null) || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql-15 redis-server)

run: setup fonts
	$(VENV)/bin/cpro-siecle serve

# The Moodle lab (../shared/moodle, its README): set up (idempotent, 60-240 s the first time)
# unless the tests are pointed at another test Moodle; its tests then must run, none skipped.
# They run one at a time on the site (a lock, see tests/lab/plugin.py).
LAB := ../shared/moodle

test: setup browser fonts services lint
	@if [ -f $(LAB)/setup.sh ] && [ -z "$$CPRO_SIECLE_TEST_MOODLE_ENV$$CPRO_SIECLE_TEST_MOODLE_URL" ]; then \
		$(SUDO) bash $(LAB)/setup.sh || exit 1; export CPRO_SIECLE_TEST_MOODLE_REQUIRED=1; fi; \
	$(VENV)/bin/pytest -n 2 -q -m "not deploy" && \
	$(VENV)/bin/pytest -q -m deploy  # the deployment alone: its servers and workers need the CPU

bench: setup
	$(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check cpro_siecle_plugin tests bench
	$(VENV)/bin/mypy --strict cpro_siecle_plugin
