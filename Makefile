# sfvsr: one-command set-up. `make demo` and `make test` install everything first.
VENV      ?= .venv
PY        := $(VENV)/bin/python
STAMP     := $(VENV)/.sfvsr-installed
# Re-run the installer when a pin changes or torch was replaced in the venv
# (mmcv's compiled ops must then be checked again).
TORCH_VER := $(wildcard $(VENV)/lib/python*/site-packages/torch/version.py)
INSTALL_DEPS := requirements/build.txt requirements/mmcv.txt requirements/runtime.txt \
                requirements/tests.txt setup.py tools/install_stack.sh $(TORCH_VER)
PYTEST_ARGS ?=

.PHONY: install test demo lint format clean

install: $(STAMP)

$(STAMP): $(INSTALL_DEPS)
	bash tools/install_stack.sh $(VENV)
	@touch $@

test: install
	$(PY) -m pytest $(PYTEST_ARGS) tests

demo: install
	$(PY) tools/demo.py

lint: install
	$(PY) -m flake8 sfvsr_plugin tools tests configs
	$(PY) -m isort --check-only --diff sfvsr_plugin tools tests configs
	$(PY) -m yapf --diff --recursive sfvsr_plugin tools tests configs

format: install
	$(PY) -m isort sfvsr_plugin tools tests configs
	$(PY) -m yapf --in-place --recursive sfvsr_plugin tools tests configs

clean:
	rm -rf $(VENV) work_dirs demo_out .pytest_cache
