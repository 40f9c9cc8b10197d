"""setuptools shim: the things pyproject.toml cannot say.

* ``cffi_modules``: the CFFI build of ``pychrony._libchrony_cffi``.
* ``py_limited_api``: cffi compiles the extension against CPython's stable ABI
  (``Py_LIMITED_API``, file name ``*.abi3.so``); tagging the wheel ``cp310-abi3``
  makes one wheel serve every supported CPython from 3.10 on.
* ``data_files``: the manual page and the bash and zsh completion scripts,
  generated from the command's argument parser at build time (so they cannot
  drift from it) into build/generated/, and installed under the prefix where
  man, bash-completion and zsh look (``share/...``). MANIFEST.in keeps them out
  of the sdist: a wheel built from it generates them again.
"""

import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def generated_data_files() -> list[tuple[str, list[str]]]:
    """Write the man page and completion scripts; return them as data_files."""
    sys.path.insert(0, str(HERE))
    try:
        from pychrony.cli.completion import (
            COMPLETION_FILES,
            MANPAGE_FILE,
            completion_script,
            manpage,
        )
        from pychrony.cli.main import command_parser
    finally:
        sys.path.remove(str(HERE))
    parser = command_parser()
    try:
        texts = {MANPAGE_FILE: manpage(parser)}
        texts.update(
            {path: completion_script(parser, shell) for shell, path in COMPLETION_FILES.items()}
        )
    except ModuleNotFoundError as exc:
        sys.exit(
            f"setup.py: {exc.name} is needed to generate the man page and shell completion "
            "(pyproject.toml's [build-system] requires it; without build isolation, install "
            "the [dev] extra)"
        )
    data_files = []
    for target, text in sorted(texts.items()):
        source = Path("build") / "generated" / target
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(text)
        data_files.append((str(Path(target).parent), [str(source)]))
    return data_files


setup(
    cffi_modules=["build_ffi.py:ffi"],
    options={"bdist_wheel": {"py_limited_api": "cp310"}},
    data_files=generated_data_files(),
)
