# Two entry points for a fresh clone: `make demo` (the main job on a generated sample) and
# `make test` (the test suite). Each creates the virtual environment .venv on first use and installs
# exactly the committed lock, requirements.lock (every dependency pinned with its sha256); `make lock`
# rewrites the lock on purpose.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
DEMO_OUT ?= demo_out

.PHONY: demo test lint lock clean

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/sponsorlens demo --out $(DEMO_OUT)

# pytest exits 5 when it collected no test: for this suite that is a failure, said plainly.
# .ci/browser first installs Debian's chromium (as root, when missing) for the HTML report test.
test: $(STAMP)
	@.ci/browser
	@$(PY) -m pytest -q -rsx; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is missing" >&2; exit 1; fi; \
	exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Rewrite requirements.lock (existing pins kept; UPGRADE=1 re-resolves all); commit it on its own.
lock:
	python3 .ci/lock.py $(if $(UPGRADE),--upgrade)

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .ruff_cache
