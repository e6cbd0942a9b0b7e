# Two commands matter: `make demo` and `make test`. Both set everything up on a fresh machine:
# `make demo` only what the demo needs (`setup-demo`: the main environment), `make test` every
# tested Blender and the type checker too (`setup`). `make test-quick`: the tests not marked slow,
# in the main environment, in about two minutes.
PY ?= $(shell command -v python3.11 || command -v python3)
# pyenv's shims for other versions refuse to run unless that version is selected: find real binaries
find_python = $(shell for p in $$(ls -d $$HOME/.pyenv/versions/$(1)*/bin/python$(1) 2>/dev/null) \
	$$(command -v python$(1)) /usr/bin/python$(1) /usr/local/bin/python$(1); do \
	"$$p" -c "" >/dev/null 2>&1 && echo "$$p" && break; done)
PY311 ?= $(PY)
PY312 ?= $(call find_python,3.12)
PY313 ?= $(call find_python,3.13)
need_python = @test -n "$(1)" || { echo "error: Python $(2) is needed $(3); install it (e.g. pyenv install $(2)) or pass PY$(subst .,,$(2))=/path/to/python$(2)"; exit 1; }

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
# The main environment: Python 3.11, Blender 4.5 LTS (bpy), numpy 1.26, torch; runs every test.
# One environment per other tested Blender runs the Blender suite (BLENDER_TESTS):
#   4.2 LTS and 5.0 on Python 3.11 with numpy 1.26 (as those Blenders ship),
#   5.1, 5.2 LTS and 5.3 on Python 3.13 with numpy 2; 5.3's also runs the runtime tests on the
#   newest numpy 2.
# Every Blender environment holds the project itself with its `live`, `boards` and `test` extras
# (the pins live in pyproject.toml only).
BLENDER_TEST_DEPS := -e ".[live,boards,test]"
BLENDERS := b42 b50 b51 b52 b53
b42_PY := 3.11
b42_PKGS := "bpy==4.2.23" "numpy==1.26.4"
b50_PY := 3.11
b50_PKGS := "bpy==5.0.1" "numpy==1.26.4"
b51_PY := 3.13
b51_PKGS := "bpy==5.1.2"
b52_PY := 3.13
b52_PKGS := "bpy==5.2.3"
b53_PY := 3.13
b53_PKGS := "bpy==5.3.0" "numpy==2.5.5"
BLENDER_TESTS := tests/blender
# Blender 5.3's environment runs every test but training's (tests/training): torch has no CPU
# wheel for Python 3.13 on the registry (pip would take a multi-GB CUDA build); they run in .venv.
b53_TESTS := tests --ignore=tests/training
# Type-checking the extension against the newest supported Blender's stubs (5.2; none for 5.3
# yet): fake-bpy-module's stubs use Python 3.12 syntax, which mypy only parses on 3.12.
VENVT := .venv-types
STAMPT := $(VENVT)/.installed

.PHONY: setup setup-demo demo test test-quick lint typecheck pytest $(addprefix pytest-,$(BLENDERS)) bench model extension wheel clean

setup: $(STAMP) $(foreach b,$(BLENDERS),.venv-$(b)/.installed) $(STAMPT)

# what the demo needs alone, in the main environment: the runtime, bpy (Blender 4.5 LTS) and
# tqdm (pyproject.toml's `demo` extra); not torch, the test libraries, the five other Blenders or
# the type checker. `make setup` later adds the rest to the same environment.
setup-demo: $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[demo]"
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[all]"
	touch $(STAMP)

.venv-b%/.installed: Makefile pyproject.toml
	$(call need_python,$(PY$(subst .,,$(b$*_PY))),$(b$*_PY),for Blender's bpy module)
	$(PY$(subst .,,$(b$*_PY))) -m venv .venv-b$*
	.venv-b$*/bin/python -m pip install -q --upgrade pip
	.venv-b$*/bin/python -m pip install -q $(b$*_PKGS) $(BLENDER_TEST_DEPS)
	touch $@

$(STAMPT): Makefile
	$(call need_python,$(PY312),3.12,to type-check the extension (fake-bpy-module's stubs use 3.12 syntax))
	$(PY312) -m venv $(VENVT)
	$(VENVT)/bin/python -m pip install -q "mypy==1.13.0" "fake-bpy-module-5.2==20260730" "numpy==1.26.4"
	touch $(STAMPT)

demo: setup-demo
	$(BIN)/python scripts/evoke.py demo --out out
	$(BIN)/python scripts/evoke.py render_demo out/synthetic_deap/s05.dat --trial 32 --seconds 12 --height 288 --out out/demo.mp4

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

$(addprefix pytest-,$(BLENDERS)): pytest-%: setup
	.venv-$*/bin/python -m pytest -q $(or $($*_TESTS),$(BLENDER_TESTS))

test: lint typecheck pytest $(addprefix pytest-,$(BLENDERS))

# the quick loop while working: every test not marked slow (pyproject.toml's `slow` marker), in
# the main environment only; `make test` still runs everything in every environment
test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

extension: setup-demo
	$(BIN)/python scripts/evoke.py build_extension --out dist

wheel: setup-demo
	$(BIN)/python scripts/evoke.py wheel --out dist

model: $(STAMP)
	$(BIN)/python scripts/evoke.py make_model

bench: $(STAMP)
	$(BIN)/python scripts/evoke.py bench_runtime

clean:
	rm -rf $(VENV) .venv-b* $(VENVT) out dist wheels .mypy_cache .ruff_cache .pytest_cache
