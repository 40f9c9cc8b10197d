# The README's commands: the quick start, and building distributable files.
.PHONY: demo test setup wheel

demo:   ## set up, then show pychrony reading a live chronyd
	scripts/demo

test:   ## set up, then ruff, mypy --strict and the whole pytest suite
	scripts/test

setup:  ## provision libchrony/chronyd and the .venv (idempotent)
	scripts/setup

wheel:  ## build the sdist and a manylinux wheel bundling libchrony into dist/
	scripts/build-wheel
