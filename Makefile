# The two commands of the README's quick start.
.PHONY: demo test setup

demo:   ## set up, then show pychrony reading a live chronyd
	scripts/demo

test:   ## set up, then ruff, mypy --strict and the whole pytest suite
	scripts/test

setup:  ## provision libchrony/chronyd and the .venv (idempotent)
	scripts/setup
