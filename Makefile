# Two commands on a fresh machine: `make run` serves the bot, `make test` runs every test.
# Both create the virtual environment and install what they need themselves.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test chat migrate bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# Stoplight Prism for the contract tests (needs Node.js and npm).
PRISM := tests/contract/node_modules/.bin/prism
$(PRISM): tests/contract/package.json tests/contract/package-lock.json
	npm ci --prefix tests/contract --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.installed
	$(PY) -m bot migrate
	$(PY) -m bot run

chat: $(VENV)/.installed
	$(PY) -m bot chat

migrate: $(VENV)/.installed
	$(PY) -m bot migrate

test: $(VENV)/.dev $(PRISM)
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# Benchmarks print JSON lines (also kept under bench/results/); about 17 minutes in all, the total printed last.
# The inbound runs interleave our bot with the PTB baseline (--target both) and end with the medians and the
# ratio ours/baseline of the same run; each line says how many cores there were and what was pinned where.
$(VENV)/.bench: $(VENV)/.dev
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.bench
	mkdir -p bench/results
	rm -f bench/results/inbound.jsonl
	date +%s > bench/results/started
	$(PY) -m bench.broadcast --only throughput --recipients 100000 | tee bench/results/broadcast.jsonl
	$(PY) -m bench.broadcast --db postgresql --only throughput --recipients 100000 | tee -a bench/results/broadcast.jsonl
	$(PY) -m bench.broadcast --only memory --memory-recipients 200000 | tee -a bench/results/broadcast.jsonl
	$(PY) -m bench.broadcast --only rate --rate 80 --seconds 60 | tee -a bench/results/broadcast.jsonl
	$(PY) -m bench.inbound --users 50 --db sqlite --target both --repeat 3 --out inbound.jsonl
	$(PY) -m bench.inbound --users 50 --db postgresql --target both --repeat 3 --out inbound.jsonl
	$(PY) -m bench.inbound --users 50 --db postgresql --processes 2 --target both --repeat 3 --out inbound.jsonl
	$(PY) -m bench.inbound --users 200 --db sqlite --target both --repeat 3 --out inbound.jsonl
	$(PY) -m bench.inbound --users 200 --db postgresql --target both --repeat 3 --out inbound.jsonl
	$(PY) -m bench.inbound --users 50 --db sqlite --target ours --rate half --out inbound.jsonl
	$(PY) -m bench.inbound --users 50 --db postgresql --target ours --rate half --out inbound.jsonl
	$(PY) -m bench.turn_latency --db sqlite --out turn_latency.jsonl
	$(PY) -m bench.faults --db sqlite --users 40 --recipients 10000
	$(PY) -m bench.faults --db postgresql --users 40 --only inbound --only outage --only drain
	$(PY) -m bench.form_flood | tee bench/results/form_flood.jsonl
	$(PY) -m bench.form_flood --kind field | tee -a bench/results/form_flood.jsonl
	FUZZ_EXAMPLES=2000 $(PY) -m pytest tests/test_fuzz.py -q -p no:cacheprovider
	@echo "inbound, ours against the baseline (medians of the runs, and their ratio):"
	@grep -h '"median_of"\|"ratio"' bench/results/inbound.jsonl
	@echo "{\"bench\": \"make bench\", \"total_s\": $$(( $$(date +%s) - $$(cat bench/results/started) ))}"

clean:
	rm -rf $(VENV) data .pytest_cache
