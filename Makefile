# The two commands of the README's quick start.
.PHONY: demo test setup bench

demo:   ## set up, then show pychrony reading a live chronyd
	scripts/demo

test:   ## set up, then ruff, mypy --strict and the whole pytest suite
	scripts/test

setup:  ## provision libchrony/chronyd and the .venv (idempotent)
	scripts/setup

bench:  ## benchmark against libchrony from C, chronyc and pychrony 2.0.3 (ARGS=--quick)
	scripts/setup
	.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python -m pip install -q -e '.[dev,bench]'
	.venv/bin/python bench/run.py $(ARGS)
