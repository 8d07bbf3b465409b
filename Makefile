# Two commands set up a fresh machine (Python 3.11+):  `make demo`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
KB := $(VENV)/bin/kb
DATA ?= .kb-data
QUESTION ?= How do I set up the VPN on my new laptop?

.PHONY: install demo test bench eval clean

install: $(VENV)/.installed

# torch is installed first and pinned by constraints.txt: anything that depends on it later must
# not replace the CPU build with one that drags in gigabytes of CUDA packages.
$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

demo: install
	$(KB) sync --path examples/runbooks --data-dir $(DATA)
	$(KB) ask "$(QUESTION)" --data-dir $(DATA)

test: install
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

eval: install
	$(KB) sync --path ../shared/eval/18f/corpus --data-dir .kb-eval
	$(KB) eval ../shared/eval/18f/questions.jsonl --data-dir .kb-eval

bench: install
	$(PY) benchmarks/index_bench.py

clean:
	rm -rf $(DATA) .kb-eval .pytest_cache
