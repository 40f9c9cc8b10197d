"""Shell completion and the manual page, both generated from the argument parser.

The parser is the one description of the command line: shtab turns it into
bash and zsh completion scripts, argparse-manpage into ``pychrony(1)``. A
wheel carries all three, generated when it is built (setup.py), as
``share/bash-completion/completions/pychrony``,
``share/zsh/site-functions/_pychrony`` and ``share/man/man1/pychrony.1``
under the installation prefix, so neither library is needed at run time:
``pychrony --print-completion SHELL`` prints the installed script, and
generates it only where none is installed (an editable checkout).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .exitcodes import ExitCode

__all__ = [
    "COMPLETION_FILES",
    "MANPAGE_FILE",
    "SHELLS",
    "add_completion_option",
    "completion_script",
    "manpage",
]

SHELLS = ("bash", "zsh")
# Where each generated file lives under an installation prefix (sys.prefix),
# the directories bash-completion, zsh and man search there.
COMPLETION_FILES = {
    "bash": "share/bash-completion/completions/pychrony",
    "zsh": "share/zsh/site-functions/_pychrony",
}
MANPAGE_FILE = "share/man/man1/pychrony.1"


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """Generate the completion script for ``shell`` from ``parser`` (needs shtab).

    Raises:
        ModuleNotFoundError: shtab is not installed.
    """
    import shtab

    script: str = shtab.complete(parser, shell=shell)
    return script


def manpage(parser: argparse.ArgumentParser) -> str:
    """Generate ``pychrony(1)`` in roff from ``parser`` (needs argparse-manpage).

    Raises:
        ModuleNotFoundError: argparse-manpage is not installed.
    """
    from argparse_manpage.manpage import Manpage

    from .. import __version__

    data = {
        "project_name": "pychrony",
        "prog": parser.prog,
        "version": __version__,
        "description": "monitor the chrony NTP daemon",
        "manual_section": "1",
        "manual_title": "pychrony manual",
        "format": "pretty",
    }
    return str(Manpage(parser, _data=data, format="pretty"))


def _installed(shell: str) -> str | None:
    try:
        return (Path(sys.prefix) / COMPLETION_FILES[shell]).read_text()
    except OSError:
        return None


class _CompletionAction(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        shell = str(values)
        script = _installed(shell)
        if script is None:
            try:
                script = completion_script(parser, shell)
            except ModuleNotFoundError:
                parser.exit(
                    ExitCode.MISSING,
                    f"{parser.prog}: no {shell} completion is installed, and generating one "
                    "needs shtab: pip install shtab\n",
                )
        sys.stdout.write(script)
        parser.exit()


def add_completion_option(parser: argparse.ArgumentParser) -> None:
    """Give the command's top-level ``parser`` ``--print-completion SHELL``."""
    parser.add_argument(
        "--print-completion",
        choices=SHELLS,
        metavar="{bash,zsh}",
        action=_CompletionAction,
        help="print a shell completion script and exit "
        "(bash: source it, or put it in ~/.local/share/bash-completion/completions/)",
    )
