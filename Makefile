# Two commands on a fresh machine: `make run` (serve the default corpus) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install index run test lint browser bench soak eval container-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

index: install
	$(PY) -m index_build --if-stale

run: index
	$(VENV)/bin/verbatim serve

browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/hadolint Dockerfile

test: install browser lint
	VERBATIM_SHOW_PROGRESS=false $(PY) -m pytest -q

eval: index
	$(PY) -m eval --split dev

bench: index
	$(PY) -m bench.build_throughput
	$(PY) -m bench.query_latency

soak: index
	$(PY) -m bench.soak

container-check:
	bash scripts/container-check.sh

clean:
	rm -rf var .pytest_cache artefacts
