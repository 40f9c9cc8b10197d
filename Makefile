# The README's commands: the quick start, the docs, and building distributable
# files. `make help` lists the targets from their "## " comments.
.PHONY: help demo test setup docs screenshots wheel bench
.DEFAULT_GOAL := help

help:   ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo:   ## install only what the demo needs, then show pychrony reading a live chronyd
	scripts/demo

test:   ## set up, then ruff, mypy --strict, the docs build and the whole pytest suite
	scripts/test

setup:  ## provision libchrony/chronyd, the test tools and the .venv (idempotent)
	scripts/setup

docs:   ## build the HTML manual into docs/_build/html (open index.html)
	scripts/setup
	.venv/bin/sphinx-build -E -W -n -q -b html -d docs/_build/doctrees docs docs/_build/html
	@echo "docs: file://$(CURDIR)/docs/_build/html/index.html"

screenshots: docs  ## photograph the CLI guide and the performance page (build/screenshots/)
	.venv/bin/python scripts/screenshots.py build/screenshots

wheel:  ## build the sdist and a manylinux wheel bundling libchrony into dist/
	scripts/build-wheel

bench:  ## benchmark against C, chronyc and pychrony 2.0.3 into build/bench (ARGS=--quick, UPDATE=1)
	scripts/setup
	.venv/bin/python -c 'import matplotlib' 2>/dev/null || .venv/bin/python -m pip install -q -e '.[dev,bench]'
	.venv/bin/python bench/run.py $(if $(UPDATE),--update) $(ARGS)
