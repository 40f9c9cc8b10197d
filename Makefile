# The README's commands: the quick start, and building distributable files.
.PHONY: demo test setup wheel bench

demo:   ## set up, then show pychrony reading a live chronyd
	scripts/demo

test:   ## set up, then ruff, mypy --strict and the whole pytest suite
	scripts/test

setup:  ## provision libchrony/chronyd and the .venv (idempotent)
	scripts/setup

wheel:  ## build the sdist and a manylinux wheel bundling libchrony into dist/
	scripts/build-wheel

bench:  ## benchmark against libchrony from C, chronyc and pychrony 2.0.3 (ARGS=--quick)
	scripts/setup
	.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python -m pip install -q -e '.[dev,bench]'
	.venv/bin/python bench/run.py $(ARGS)
