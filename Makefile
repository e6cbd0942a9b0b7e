# Two commands matter: `make demo` and `make test`. Both set everything up on a fresh machine.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Blender 5.0 in its own environment: the Blender tests run on 4.5 LTS and on 5.0.
VENV50 := .venv-b50
STAMP50 := $(VENV50)/.installed
# Type-checking the extension: fake-bpy-module's stubs use Python 3.12 syntax, which mypy can only
# parse when it runs on 3.12, so this small environment holds mypy, the stubs and numpy.
# (pyenv's python3.12 shim exists but refuses to run unless 3.12 is selected, so try real binaries)
PY312 ?= $(shell for p in $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null) \
	$$(command -v python3.12) /usr/bin/python3.12 /usr/local/bin/python3.12; do \
	"$$p" -c "" >/dev/null 2>&1 && echo "$$p" && break; done)
VENVT := .venv-types
STAMPT := $(VENVT)/.installed

.PHONY: setup demo test lint typecheck pytest pytest-b50 bench model extension clean

setup: $(STAMP) $(STAMP50) $(STAMPT)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[all]"
	touch $(STAMP)

$(STAMP50):
	$(PY) -m venv $(VENV50)
	$(VENV50)/bin/python -m pip install -q --upgrade pip
	$(VENV50)/bin/python -m pip install -q "bpy==5.0.1" "numpy>=1.24,<2" "pytest>=8" "scipy>=1.11,<1.16" "pylsl==1.18.6"
	touch $(STAMP50)

$(STAMPT):
	@test -n "$(PY312)" || { echo "error: Python 3.12 is needed to type-check the extension (fake-bpy-module's stubs use 3.12 syntax); install it (e.g. pyenv install 3.12) or pass PY312=/path/to/python3.12"; exit 1; }
	$(PY312) -m venv $(VENVT)
	$(VENVT)/bin/python -m pip install -q "mypy==1.13.0" "fake-bpy-module-4.5==20260730" "numpy==1.26.4"
	touch $(STAMPT)

demo: setup
	$(BIN)/python scripts/demo.py --out out
	$(BIN)/python scripts/render_demo.py out/synthetic_deap/s05.dat --trial 32 --seconds 12 --height 288 --out out/demo.mp4

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy inference scripts tests
	@# mypy names modules by their package path: check the extension as package "evoke", as Blender sees it
	tmp=$$(mktemp -d) && ln -s "$(CURDIR)" "$$tmp/evoke" && cd "$$tmp" && \
	  "$(CURDIR)/$(VENVT)/bin/mypy" --config-file "$(CURDIR)/pyproject.toml" -p evoke.evoke_blender; \
	  rc=$$?; rm -rf "$$tmp"; exit $$rc

pytest: setup
	$(BIN)/python -m pytest -q

pytest-b50: setup
	$(VENV50)/bin/python -m pytest -q tests/test_blender_extension.py tests/test_blender_live.py

test: lint typecheck pytest pytest-b50

extension: setup
	$(BIN)/python scripts/build_extension.py --out dist

model: setup
	$(BIN)/python scripts/make_model.py

bench: setup
	$(BIN)/python -m inference bench

clean:
	rm -rf $(VENV) $(VENV50) $(VENVT) out dist .mypy_cache .ruff_cache .pytest_cache
