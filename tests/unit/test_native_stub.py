"""The extension's stub (pychrony/_libchrony_cffi.pyi) says what the compiled module has.

mypy trusts the stub, so a stub that drifts from decl/ would type-check calls
that fail at run time: each function and constant of the compiled ``lib`` is
listed, with the argument count and the return type cffi converts to.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import pychrony
from pychrony._native import load

STUB = Path(pychrony.__file__).parent / "_libchrony_cffi.pyi"

# What cffi returns for a C result, spelt as the stub spells it.
_PRIMITIVE_RESULTS = {"double": "float", "float": "float", "_Bool": "bool"}


def _stub_class(name: str) -> ast.ClassDef:
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    raise AssertionError(f"the stub has no class {name}")


def _functions(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}


def _attributes(cls: ast.ClassDef) -> set[str]:
    return {
        n.target.id
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }


def _expected_result(ffi: Any, function: Any) -> str:
    result = ffi.typeof(function).result
    if result.kind == "void":
        return "None"
    if result.kind in ("pointer", "struct", "array"):
        return "_CData"
    if result.kind == "primitive":
        return _PRIMITIVE_RESULTS.get(result.cname, "int")
    return "int"  # enums


@pytest.mark.usefixtures("native")
def test_the_stub_lists_every_function_and_constant_of_lib() -> None:
    _, lib = load()
    cls = _stub_class("Lib")
    stubbed = set(_functions(cls)) | _attributes(cls)
    compiled = {name for name in dir(lib) if not name.startswith("_")}
    assert not compiled - stubbed, f"lib has names the stub lacks: {compiled - stubbed}"
    assert not stubbed - compiled, f"the stub lists names lib lacks: {stubbed - compiled}"


@pytest.mark.usefixtures("native")
def test_the_stub_gives_each_function_its_arity_and_result_type() -> None:
    ffi, lib = load()
    for name, node in _functions(_stub_class("Lib")).items():
        function = getattr(lib, name)
        params = [*node.args.posonlyargs, *node.args.args][1:]  # without self
        assert len(params) == len(ffi.typeof(function).args), name
        assert node.returns is not None, name
        assert ast.unparse(node.returns) == _expected_result(ffi, function), name


@pytest.mark.usefixtures("native")
def test_the_stub_names_only_what_ffi_has() -> None:
    ffi, _ = load()
    cls = _stub_class("FFI")
    for name in set(_functions(cls)) | _attributes(cls):
        assert hasattr(ffi, name), name
