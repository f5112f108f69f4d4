"""Every GraphQL document oc-bridge sends, loaded from the ``operations`` folder.

One named operation per ``<OperationName>.graphql`` file. Shared fragments live in
``operations/fragments.graphql``: :func:`load_operation` appends to an operation the fragment
definitions it spreads (transitively, and only those, so the result passes GraphQL's
``NoUnusedFragments`` rule). The assembled text is what goes over the wire and what ``doctor``
validates against the live schema; no GraphQL is ever put together ad hoc in code.

The one exception is the standard introspection query used by
:func:`oc_bridge.orderchamp.schema_check.fetch_schema`: it comes from graphql-core and describes
the schema itself, so it cannot drift from the schema the way our documents can.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    parse,
    visit,
)

__all__ = ["FRAGMENTS_FILE", "Operation", "all_operations", "load_operation", "operation_names"]

FRAGMENTS_FILE = "fragments.graphql"
_PACKAGE = "oc_bridge.orderchamp"
_FOLDER = "operations"


@dataclass(frozen=True)
class Operation:
    """One ready-to-send GraphQL operation.

    ``source`` is the complete document text (the operation, then any shared fragments it
    uses); ``document`` is its parse; ``parts`` maps line ranges of ``source`` back to files as
    ``(first line in source, file name, first line in that file)``.
    """

    name: str
    source: str
    document: DocumentNode
    is_mutation: bool
    parts: tuple[tuple[int, str, int], ...] = ()

    def locate(self, line: int) -> tuple[str, int]:
        """The file and line within it for ``line`` of :attr:`source`."""
        where = (f"{self.name}.graphql", line)
        for start, file, file_line in self.parts:
            if line >= start:
                where = (file, file_line + line - start)
        return where


def _read(file: str) -> str:
    return resources.files(_PACKAGE).joinpath(_FOLDER, file).read_text(encoding="utf-8")


@functools.cache
def _shared_fragments() -> dict[str, tuple[str, int]]:
    """Fragment name -> (definition text, first line in fragments.graphql)."""
    source = _read(FRAGMENTS_FILE)
    document = parse(source)
    out: dict[str, tuple[str, int]] = {}
    for definition in document.definitions:
        if not isinstance(definition, FragmentDefinitionNode) or definition.loc is None:
            raise ValueError(f"{FRAGMENTS_FILE} may only hold fragment definitions")
        text = source[definition.loc.start : definition.loc.end]
        out[definition.name.value] = (text, definition.loc.start_token.line)
    return out


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spread_names(document: DocumentNode) -> set[str]:
    visitor = _Spreads()
    visit(document, visitor)
    return visitor.names


@functools.cache
def operation_names() -> tuple[str, ...]:
    """The names of every operation in the folder, sorted."""
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return tuple(
        sorted(
            entry.name.removesuffix(".graphql")
            for entry in folder.iterdir()
            if entry.name.endswith(".graphql") and entry.name != FRAGMENTS_FILE
        )
    )


@functools.cache
def load_operation(name: str) -> Operation:
    """Load, complete with fragments, parse and check the operation ``name``.

    Raises ``KeyError`` for an unknown name and ``ValueError`` when the file is not exactly one
    operation named like the file, or spreads a fragment defined nowhere.
    """
    if name not in operation_names():
        raise KeyError(f"no GraphQL operation named {name!r}")
    file = f"{name}.graphql"
    source = _read(file).rstrip() + "\n"
    try:
        document = parse(source)
    except GraphQLSyntaxError as exc:
        raise ValueError(f"{file}: {exc.message}") from exc
    own = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    shared = _shared_fragments()
    needed: list[str] = []
    todo = sorted(_spread_names(document) - own)
    while todo:
        fragment = todo.pop(0)
        if fragment in needed or fragment in own:
            continue
        if fragment not in shared:
            raise ValueError(f"{file}: fragment {fragment!r} is defined nowhere")
        needed.append(fragment)
        todo.extend(sorted(_spread_names(parse(shared[fragment][0])) - set(needed) - own))
    parts: list[tuple[int, str, int]] = []
    for fragment in needed:
        text, file_line = shared[fragment]
        source += "\n"
        parts.append((source.count("\n") + 1, FRAGMENTS_FILE, file_line))
        source += text + "\n"
    document = parse(source)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None or operations[0].name.value != name:
        raise ValueError(f"{file} must hold exactly one operation, named {name}")
    return Operation(
        name=name,
        source=source,
        document=document,
        is_mutation=operations[0].operation == OperationType.MUTATION,
        parts=tuple(parts),
    )


def all_operations() -> list[Operation]:
    """Every operation in the folder, loaded, sorted by name."""
    return [load_operation(name) for name in operation_names()]
