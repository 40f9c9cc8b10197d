"""Sphinx helpers that derive pages from the code instead of repeating it.

* ``.. pychrony-report-fields::`` writes one section per report of
  :data:`pychrony.models.catalog.REPORTS`: the typed getter, and a table of the
  model's fields (attribute, type, unit, counter, libchrony field) built from
  ``dataclasses.fields`` and the ``FieldSource`` in each field's metadata,
  never from docstring prose. Each attribute links to its description (the
  model's ``Attributes:`` section, rendered by autodoc), so a field nobody
  described is an unresolved reference (an error under ``-n -W``), and a
  field declaring no unit is a build warning.
* ``.. pychrony-api:: KIND`` autodocuments every name of ``pychrony.__all__`` of
  one kind (``models`` in catalogue order, ``enums``, ``exceptions``, ``api``
  for the rest), so a name added to the package appears without editing pages.
* ``.. pychrony-file:: PATH`` shows a file produced outside the docs (the
  benchmark's results) when the tree has it, and its content otherwise; a
  Markdown file (``:as: markdown``) becomes real tables and rubrics.
* ``.. pychrony-exit-codes:: command|check`` writes the table of exit codes
  from :mod:`pychrony.cli.exitcodes`, and ``:pychrony-exit:`NAME``` one code's
  number, so no page repeats a number the code defines.
* ``.. pychrony-module:: NAME`` autodocuments module NAME when the package
  has it, and otherwise says which release brings it: the site is built from
  whatever the tree holds, and a module that exists but fails to import is
  still a build error.
* At the end of a build, every public name of the documented modules must
  have been documented, or the build warns.
* References to a public object by its defining module
  (``pychrony.models.tracking.LeapStatus``, as autodoc writes type hints) resolve
  to where it is documented (``pychrony.LeapStatus``).
* :func:`doctest_sandbox` gives the doctests one sandboxed chronyd pair for the
  whole build, stopped when the build finishes.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import importlib.util
import inspect
import os
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

# Public modules whose names are re-exported by, and documented under, these
# paths; the first that holds an object wins when resolving a reference.
PUBLIC_MODULES = (
    "pychrony",
    "pychrony.libchrony",
    "pychrony.client",
    "pychrony.fleet",
    "pychrony.testing",
)

# -- the models' declarations -------------------------------------------------


def unit_of(source: Any) -> str:
    """A field's unit as its metadata declares it (``""`` when it declares none)."""
    unit = getattr(source, "unit", None)
    if unit is None:
        return ""
    symbol = unit.symbol
    return f"{unit.description} (``{symbol}``)" if symbol else unit.description


def public_path(obj: Any) -> str | None:
    """The documented dotted path of an object: where a public module exports it.

    Found by identity, so an alias (``ChronyFieldType`` for ``FieldType``)
    resolves too.
    """
    for module_name in PUBLIC_MODULES:
        module = _import_if_present(module_name)
        if module is None:
            continue
        for name in getattr(module, "__all__", ()):
            if getattr(module, name, None) is obj:
                return f"{module_name}.{name}"
    return None


def type_rst(hint: Any) -> str:
    """A type hint as reST, linking pychrony's own classes."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(type_rst(arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return "``None``"
    if origin is not None:
        args = ", ".join(type_rst(arg) for arg in typing.get_args(hint))
        return f"``{origin.__name__}``\\ [{args}]"
    path = public_path(hint)
    if path:
        return f":class:`~{path}`"
    return f"``{getattr(hint, '__name__', repr(hint))}``"


def _cell(text: str) -> str:
    return text or "\N{EM DASH}"


def report_section(spec: Any) -> Iterator[str]:
    """Lines of reST for one report: heading, what the getter returns, the field table."""
    model = spec.model
    model_path = public_path(model) or f"{model.__module__}.{model.__qualname__}"
    title = f"{spec.name}"
    yield title
    yield "-" * len(title)
    yield ""
    if spec.many:
        shape = f"a ``list`` of :class:`~{model_path}`, one per record"
    else:
        shape = f"one :class:`~{model_path}`"
    if spec.may_be_disabled:
        shape += ", or ``None`` when chronyd has the report disabled"
    yield (
        f":meth:`ChronyConnection.{spec.method}() <pychrony.ChronyConnection.{spec.method}>` "
        f"returns {shape}."
    )
    if spec.over_udp:
        yield "chronyd serves it over the Unix socket and the UDP command port."
    else:
        yield (
            "chronyd serves it over the Unix socket; over the UDP command port only on "
            "chronyd 4.7 and later with ``opencommands`` (otherwise "
            ":exc:`~pychrony.ChronyPermissionError`)."
        )
    yield ""
    hints = typing.get_type_hints(model)
    yield ".. list-table::"
    yield "   :header-rows: 1"
    yield "   :widths: 24 22 26 10 28"
    yield ""
    yield "   * - Attribute"
    yield "     - Type"
    yield "     - Unit"
    yield "     - Counter"
    yield "     - libchrony field"
    for f in dataclasses.fields(model):
        source = f.metadata.get("chrony")
        unit = unit_of(source)
        if not unit:
            logger.warning("%s.%s declares no unit in its metadata", model_path, f.name)
        names = " or ".join(f"``{n}``" for n in source.names) if source else ""
        if source is not None and source.optional:
            names += " (optional)"
        counter = "yes" if getattr(source, "counter", False) else ""
        yield f"   * - :attr:`~{model_path}.{f.name}`"
        yield f"     - {type_rst(hints[f.name])}"
        yield f"     - {_cell(unit)}"
        yield f"     - {_cell(counter)}"
        yield f"     - {_cell(names)}"
    yield ""


class GeneratingDirective(SphinxDirective):
    """A directive that writes reST and parses it in its own place."""

    def parse_rst(self, lines: list[str]) -> list[nodes.Node]:
        """Parse generated reST (section titles allowed) in this directive's place."""
        source = self.get_source_info()[0]
        content = StringList(lines, source=f"{source} <generated>")
        # A section node as the parent, as autodoc does, so titles nest properly.
        holder = nodes.section()
        holder.document = self.state.document
        nested_parse_with_titles(self.state, content, holder)
        return list(holder.children)


class ReportFields(GeneratingDirective):
    """``.. pychrony-report-fields::``: one section and table per report."""

    def run(self) -> list[nodes.Node]:
        """The sections, one per catalogue entry."""
        from pychrony.models.catalog import REPORTS

        lines: list[str] = []
        for spec in REPORTS:
            lines.extend(report_section(spec))
        return self.parse_rst(lines)


class ExitCodes(GeneratingDirective):
    """``.. pychrony-exit-codes:: command|check``: the table of :mod:`pychrony.cli.exitcodes`."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """A list-table of codes and what they mean (the plugin's with their state)."""
        from pychrony.cli.exitcodes import COMMAND_CODES, PLUGIN_CODES

        which = self.arguments[0]
        if which not in ("command", "check"):
            raise self.error(f"pychrony-exit-codes: command or check, not {which!r}")
        plugin = which == "check"
        codes: dict[Any, str] = dict(PLUGIN_CODES if plugin else COMMAND_CODES)
        header = ["exit", "state", "when"] if plugin else ["exit", "when"]
        lines = [".. list-table::", "   :header-rows: 1", ""]
        lines += [f"   {'*' if i == 0 else ' '} - {h}" for i, h in enumerate(header)]
        for code, meaning in codes.items():
            lines.append(f"   * - {code.value}")
            if plugin:
                lines.append(f"     - {code.name}")
            lines.append(f"     - {meaning}")
        return self.parse_rst([*lines, ""])


def exit_code_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``:pychrony-exit:`INTERRUPTED```: the number of an exit code, read from the code."""
    from pychrony.cli.exitcodes import ExitCode, PluginCode

    enum_name, _, member = text.rpartition(".")
    enum = PluginCode if enum_name == "PluginCode" else ExitCode
    try:
        value = enum[member].value
    except KeyError:
        message = inliner.reporter.error(f"no exit code {text!r}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.literal(rawtext, str(value))], []


# -- autodoc of what the tree holds ----------------------------------------


def _import_if_present(name: str) -> types.ModuleType | None:
    """Import ``name`` if the tree has it; a module that exists but fails raises."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name)


def kind_of(obj: Any) -> str:
    """Which ``pychrony-api`` section documents a public object."""
    if isinstance(obj, type) and issubclass(obj, BaseException):
        return "exceptions"
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        return "enums"
    if dataclasses.is_dataclass(obj):
        return "models"
    return "api"


def autodoc_lines(path: str, obj: Any) -> list[str]:
    """The autodoc directive for one public object."""
    if inspect.isclass(obj):
        # Inherited too: ChronyConnection's generic methods come from a mixin.
        options = ["   :members:", "   :inherited-members:"]
        if issubclass(obj, BaseException):
            options = ["   :members:"]
            options.append("   :show-inheritance:")
        elif issubclass(obj, enum.Enum):
            # Members are described by the class's Attributes: section; list
            # the helpers (is_known, code...), including those of private bases.
            helpers = sorted(
                {
                    n
                    for base in obj.__mro__
                    if base.__module__.startswith("pychrony")
                    for n, v in vars(base).items()
                    if not n.startswith("_")
                    and isinstance(v, (property, types.FunctionType, classmethod))
                    and v.__doc__
                }
            )
            options = [f"   :members: {', '.join(helpers)}", "   :inherited-members:"]
            options = options if helpers else []
        elif dataclasses.is_dataclass(obj):
            # Fields are described by the Attributes: section; list only
            # methods and properties.
            methods = [
                n
                for n, v in vars(obj).items()
                if (inspect.isfunction(v) or isinstance(v, property))
                and not n.startswith("_")
                and v.__doc__
            ]
            options = [f"   :members: {', '.join(methods)}"] if methods else []
        return [f".. autoclass:: {path}", *options, ""]
    if inspect.isfunction(obj):
        return [f".. autofunction:: {path}", ""]
    return [f".. autodata:: {path}", "   :no-value:", ""]


class PublicApi(GeneratingDirective):
    """``.. pychrony-api:: KIND``: every ``pychrony.__all__`` name of one kind."""

    required_arguments = 1
    option_spec = {"module": directives.unchanged}  # noqa: RUF012

    def run(self) -> list[nodes.Node]:
        """One autodoc directive per public name of the kind asked for."""
        kind = self.arguments[0]
        module_name = self.options.get("module", "pychrony")
        module = importlib.import_module(module_name)
        names = [n for n in module.__all__ if not n.startswith("_")]
        chosen = [n for n in names if kind_of(getattr(module, n)) == kind]
        if kind == "models":
            from pychrony.models.catalog import REPORTS

            order = {spec.model.__name__: i for i, spec in enumerate(REPORTS)}
            chosen.sort(key=lambda n: (order.get(n, len(order)), n))
        elif kind == "exceptions":
            # The base first, then each level of the tree.
            chosen.sort(key=lambda n: (len(getattr(module, n).__mro__), n))
        lines: list[str] = []
        for name in chosen:
            lines.extend(autodoc_lines(f"{module_name}.{name}", getattr(module, name)))
        if not chosen:
            logger.warning("pychrony-api: %s has no public %s", module_name, kind)
        return self.parse_rst(lines)


def data_lines(module_name: str, module: types.ModuleType, skip: set[str]) -> list[str]:
    """Descriptions of the public objects automodule leaves out: instances.

    autodoc documents imported classes and functions, but not an imported
    instance such as the test kit's ``make_tracking = Factory(...)``; each
    is described by what it is.
    """
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    try:
        # Names with a "#:" comment in the module itself: automodule has them.
        commented = {name for _, name in ModuleAnalyzer.for_module(module_name).find_attr_docs()}
    except PycodeError:
        commented = set()
    lines: list[str] = []
    for public in getattr(module, "__all__", ()):
        obj = getattr(module, public)
        if public in skip or public in commented:
            continue
        if inspect.isclass(obj) or inspect.isroutine(obj):
            continue
        if isinstance(obj, types.ModuleType):
            continue
        type_path = public_path(type(obj))
        if not lines:
            lines += [f".. py:currentmodule:: {module_name}", ""]
        lines += [f".. py:data:: {public}"]
        if type_path:
            lines += [f"   :type: {type_path}"]
        what = f":class:`~{type_path}`" if type_path else f"``{type(obj).__name__}``"
        lines += ["", f"   ``{obj!r}``: an instance of {what}.", ""]
    return lines


class OptionalModule(GeneratingDirective):
    """``.. pychrony-module:: NAME``: automodule NAME, or a note that it is absent.

    The directive's content is shown instead when the module is absent.
    """

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        """Automodule, or the note when the tree has no such module."""
        name = self.arguments[0]
        if _import_if_present(name) is None:
            lines = [".. note::", ""]
            lines += ["   " + line for line in self.content] or [
                f"   ``{name}`` is not part of this build."
            ]
            return self.parse_rst(lines)
        # Packages re-export their submodules' names: document what __all__
        # lists, except what an earlier public module exports under the same
        # name (one object, one description; references resolve to it).
        module = importlib.import_module(name)
        shared = []
        for public in getattr(module, "__all__", ()):
            path = public_path(getattr(module, public))
            if path and path != f"{name}.{public}" and path.endswith("." + public):
                shared.append((public, path))
        lines = [
            f".. automodule:: {name}",
            "   :members:",
            "   :imported-members:",
            "   :show-inheritance:",
        ]
        if shared:
            lines.append(f"   :exclude-members: {', '.join(n for n, _ in shared)}")
        lines.append("")
        for public, path in shared:
            lines += [f"``{name}.{public}`` is :class:`{path}`, documented there.", ""]
        lines += data_lines(name, module, {n for n, _ in shared})
        return self.parse_rst(lines)


class OptionalFile(GeneratingDirective):
    """``.. pychrony-file:: PATH``: show a generated file if the tree has it.

    PATH is relative to the documentation's source directory. Option
    ``:as: image`` shows a picture, ``:as: literal`` a text file (``:language:``
    for highlighting), ``:as: markdown`` the benchmark's Markdown as reST
    tables and rubrics (``:exclude:`` names ``;``-separated ``##`` sections
    to leave out). The directive's content is shown when the file is
    absent, e.g. how to produce it.
    """

    required_arguments = 1
    has_content = True
    option_spec = {  # noqa: RUF012
        "as": lambda arg: directives.choice(arg, ("image", "literal", "markdown")),
        "language": directives.unchanged,
        "alt": directives.unchanged,
        "exclude": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        """The file's directive, or the content when there is no file."""
        path = self.arguments[0]
        found = (Path(self.env.srcdir) / path).is_file()
        if not found:
            return self.parse_rst(list(self.content))
        target = "/" + path
        if self.options.get("as", "literal") == "image":
            alt = self.options.get("alt", path)
            return self.parse_rst([f".. image:: {target}", f"   :alt: {alt}", ""])
        if self.options.get("as") == "markdown":
            self.env.note_dependency(path)
            text = (Path(self.env.srcdir) / path).read_text(encoding="utf-8")
            exclude = {h.strip() for h in self.options.get("exclude", "").split(";") if h.strip()}
            return self.parse_rst(markdown_rst(text, exclude))
        language = self.options.get("language", "text")
        return self.parse_rst([f".. literalinclude:: {target}", f"   :language: {language}", ""])


def _md_inline(text: str) -> str:
    # Markdown's `code` is reST's ``code``; nothing else inline is used. A
    # lone "-" (no figure) would start a bullet list in a table cell.
    if text == "-":
        return "\\-"
    return re.sub(r"`([^`]+)`", r"``\1``", text)


def _md_table(rows: list[str]) -> list[str]:
    """A Markdown pipe table as a ``list-table`` (its ``|---|`` line dropped)."""
    cells = [[_md_inline(c.strip()) for c in r.strip().strip("|").split("|")] for r in rows]
    header, body = cells[0], [c for c in cells[1:] if not all(set(x) <= set("-:") for x in c)]
    # Long headings ("chronyc/pychrony") may break at the slash, never mid-word.
    header = [h.replace("/", " / ") for h in header]
    lines = [".. list-table::", "   :header-rows: 1", "   :class: pychrony-figures", ""]
    for row in [header, *body]:
        lines += [f"   * - {row[0] or ' '}", *[f"     - {c or ' '}" for c in row[1:]]]
    return [*lines, ""]


def markdown_rst(text: str, exclude: set[str]) -> list[str]:
    """The reST for the Markdown subset the benchmark writes: headings, pipe tables, lists.

    The top heading is left out (the page has its own); ``##`` headings become
    rubrics; a section whose heading is in ``exclude`` is left out whole.
    """
    out: list[str] = []
    table: list[str] = []
    skipping = False
    for line in [*text.splitlines(), ""]:
        if table and not line.startswith("|"):
            out += _md_table(table)
            table = []
        if line.startswith("## "):
            heading = line[3:].strip()
            skipping = heading in exclude
            if not skipping:
                out += [f".. rubric:: {_md_inline(heading)}", ""]
        elif skipping or line.startswith("# "):
            continue
        elif line.startswith("|"):
            table.append(line)
        else:
            out.append(_md_inline(line))
    return out


# -- consistency and references ---------------------------------------------------


def check_everything_documented(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about a public name of a present public module that no page documents."""
    documented = set(env.get_domain("py").objects)  # type: ignore[attr-defined]
    for module_name in PUBLIC_MODULES:
        module = _import_if_present(module_name)
        if module is None:
            continue
        for name in getattr(module, "__all__", ()):
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            path = f"{module_name}.{name}"
            if path in documented:
                continue
            elsewhere = public_path(obj) if not isinstance(obj, types.ModuleType) else None
            if elsewhere and elsewhere in documented:
                continue  # the same object, documented where it is re-exported
            logger.warning("public name %s is not documented on any page", path)


_OBJECT_ROLES = frozenset({"class", "exc", "obj", "func", "meth", "attr", "data"})


def resolve_by_identity(
    app: Sphinx, env: BuildEnvironment, node: addnodes.pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    """Resolve ``pychrony.private.module.Name`` to where ``Name`` is documented."""
    if node.get("refdomain") != "py" or node.get("reftype") not in _OBJECT_ROLES:
        return None
    target = node.get("reftarget", "")
    if target.startswith("builtins."):
        # Python's inventory names builtins without the module.
        from sphinx.ext import intersphinx

        bare = node.deepcopy()
        bare["reftarget"] = target.removeprefix("builtins.")
        return intersphinx.missing_reference(app, env, bare, contnode)
    domain = env.get_domain("py")
    if "." not in target:
        # A bare name in a docstring of a module that does not export it
        # (imported for typing only): the one public object of that name.
        documented = domain.objects  # type: ignore[attr-defined]
        matches = [
            f"{module}.{target}" for module in PUBLIC_MODULES if f"{module}.{target}" in documented
        ]
        if len(matches) != 1:
            return None
        path = matches[0]
    else:
        if not target.startswith("pychrony."):
            return None
        module_name, _, name = target.rpartition(".")
        try:
            obj = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            return None
        if isinstance(obj, typing.TypeVar):
            # Generic signatures name their type variables; they are not
            # objects to document, so they stay plain text.
            return contnode  # type: ignore[return-value]
        found = public_path(obj)
        if found is None or found == target:
            return None
        path = found
    return domain.resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], path, node, contnode
    )


# -- doctests against a sandboxed chronyd -----------------------------------


def present(module: str) -> bool:
    """Whether the tree has ``module``; examples of absent modules are skipped.

    Used as ``:skipif: not present("pychrony.libchrony")`` so an example of a
    module that lands later starts running, and so checking, as soon as it does.
    """
    return _import_if_present(module) is not None


_SANDBOX: Any = None


def doctest_sandbox() -> Any:
    """One sandboxed chronyd pair for every doctest of the build.

    Starting a pair takes about a second; starting one per page would make the
    doctest build several times slower for no gain, since no example changes
    the daemon. ``$PYCHRONY_ADDRESS`` points at its Unix socket, so examples
    that pass no address talk to it.
    """
    global _SANDBOX
    if _SANDBOX is None:
        from pychrony.sandbox import Sandbox

        _SANDBOX = Sandbox(sources=3, unreachable_sources=1).start()
        os.environ["PYCHRONY_ADDRESS"] = _SANDBOX.socket_path
    return _SANDBOX


def stop_sandbox(app: Sphinx, exception: BaseException | None) -> None:
    """Stop the doctests' sandbox when the build ends, however it ends."""
    global _SANDBOX
    if _SANDBOX is not None:
        _SANDBOX.stop()
        _SANDBOX = None
        os.environ.pop("PYCHRONY_ADDRESS", None)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives and event handlers."""
    app.add_directive("pychrony-report-fields", ReportFields)
    app.add_directive("pychrony-api", PublicApi)
    app.add_directive("pychrony-module", OptionalModule)
    app.add_directive("pychrony-file", OptionalFile)
    app.add_directive("pychrony-exit-codes", ExitCodes)
    app.add_role("pychrony-exit", exit_code_role)
    app.connect("env-check-consistency", check_everything_documented)
    app.connect("missing-reference", resolve_by_identity)
    app.connect("build-finished", stop_sandbox)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
