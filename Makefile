# Two commands on a fresh machine: `make run` (the app on the sample documents) and `make test`.
# Both build .venv through `make install`. Caches live outside the repo:
#   ~/.cache/rag-kb/wheels  the llama-cpp-python wheel (a 5-10 minute source build, done once per machine)
#   ~/.cache/rag-kb/models  the joined GGUF model files (sha256-verified)
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
CACHE := $(HOME)/.cache/rag-kb
WHEELS := $(CACHE)/wheels
LLAMA_CPP := llama-cpp-python==0.3.36
LLM ?= qwen2.5-coder-1.5b
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install models run ingest test lint typecheck bench browser clean

install: $(STAMP) models

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: anything looser pulls a multi-GB CUDA build here.
	$(PY) -m pip install --quiet torch==2.13.0
	mkdir -p $(WHEELS)
	ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
		{ echo "Building llama-cpp-python from source (5-10 minutes, once per machine)..."; \
		  $(PY) -m pip wheel --quiet --no-deps --wheel-dir $(WHEELS) $(LLAMA_CPP); }
	$(PY) -m pip install --quiet --find-links $(WHEELS) -e ".[dev]"
	touch $(STAMP)

models: $(STAMP)
	$(PY) -m rag.models prepare $(LLM)

ingest: install
	$(PY) -m ingest data/docs

run: ingest
	$(VENV)/bin/streamlit run app/main.py

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .

# mypy on the files and with the rules of [tool.mypy] in pyproject.toml.
typecheck: install
	$(VENV)/bin/mypy

bench: install
	$(PY) benchmarks/ingest_speed.py
	$(PY) benchmarks/retrieval_speed.py

# Debian's Chromium (and CJK/emoji fonts) for the real-browser test; needs root.
browser:
	command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; }

clean:
	rm -rf $(VENV) data/store
