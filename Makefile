# The two set-up commands of README.md:
#   make demo   install madlc and run the demo end to end on a synthetic project
#   make test   install madlc and the test tools, then run the test suite
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip

.PHONY: install test-env demo test

install:
	$(PIP) install torch==2.14.1 torchvision==0.29.1
	$(PIP) install -e '.[dev]'

test-env: install
	bash .ci/test_env.sh

demo: install
	madlc demo madlc-demo

test: test-env
	$(PYTHON) -m pytest -q
