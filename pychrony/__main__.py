"""``python -m pychrony``: the ``pychrony`` command."""

from .cli import main

raise SystemExit(main())
