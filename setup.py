"""setuptools shim: the things pyproject.toml cannot say.

* ``cffi_modules``: the CFFI build of ``pychrony._libchrony_cffi``.
* ``py_limited_api``: cffi compiles the extension against CPython's stable ABI
  (``Py_LIMITED_API``, file name ``*.abi3.so``); tagging the wheel ``cp310-abi3``
  makes one wheel serve every supported CPython from 3.10 on.
"""

from setuptools import setup

setup(
    cffi_modules=["build_ffi.py:ffi"],
    options={"bdist_wheel": {"py_limited_api": "cp310"}},
)
