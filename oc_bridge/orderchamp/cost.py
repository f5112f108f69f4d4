"""Query cost, exactly as Orderchamp documents it, shared by the client and the sandbox.

The rule (reference §2): every field costs 1; a connection field (one with a ``first`` or
``last`` argument) multiplies the cost of its whole sub-selection by that number. The
*requested* cost is computed from the document alone, before anything runs; the *actual* cost
replaces each multiplier by the number of items the server really returned (so the last page of
a listing, or an order with three lines in a ``products(first: 50)`` selection, is refunded).

Lists that are not connections (``userErrors``, ``inventoryLevels`` of a payload) count as one
item in both, so requested and actual agree on them. Introspection fields (``__typename``,
``__schema``) are free. ``@include``/``@skip`` are applied with the variables given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

__all__ = ["actual_cost", "requested_cost", "select_operation"]

_PAGE_ARGS = ("first", "last")


def select_operation(
    document: DocumentNode, operation_name: str | None = None
) -> OperationDefinitionNode:
    """Return the operation that would run: the named one, or the only one in the document."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        for op in operations:
            if op.name is not None and op.name.value == operation_name:
                return op
        raise ValueError(f"operation {operation_name!r} is not in the document")
    if len(operations) != 1:
        raise ValueError("the document must hold exactly one operation, or name one")
    return operations[0]


class _Walker:
    def __init__(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation: OperationDefinitionNode,
    ) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        values: dict[str, Any] = {}
        for definition in operation.variable_definitions or ():
            if definition.default_value is not None:
                values[definition.variable.name.value] = value_from_ast_untyped(
                    definition.default_value
                )
        values.update(variables or {})
        self.variables = values

    def fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """Flatten fragments: the fields a selection set asks for."""
        out: list[FieldNode] = []
        if selection_set is None:
            return out
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                out.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                out.extend(self.fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    out.extend(self.fields(fragment.selection_set))
        return out

    def included(self, selection: SelectionNode) -> bool:
        """``@include``/``@skip`` applied; a condition that cannot be read counts as included
        (the estimate then errs on the high side)."""
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("include", "skip"):
                continue
            condition = next((value_from_ast_untyped(arg.value, self.variables)
                              for arg in directive.arguments or () if arg.name.value == "if"),
                             None)
            if isinstance(condition, bool) and condition == (name == "skip"):
                return False
        return True

    def page_size(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value in _PAGE_ARGS:
                value = value_from_ast_untyped(argument.value, self.variables)
                if isinstance(value, int) and value >= 0:
                    return value
        return None

    def requested(self, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for field in self.fields(selection_set):
            if field.name.value.startswith("__"):
                continue
            if field.selection_set is None:
                total += 1
                continue
            size = self.page_size(field)
            total += 1 + (size if size is not None else 1) * self.requested(field.selection_set)
        return total

    def actual(self, selection_set: SelectionSetNode | None, value: Any) -> int:
        total = 0
        for field in self.fields(selection_set):
            name = field.name.value
            if name.startswith("__"):
                continue
            if field.selection_set is None:
                total += 1
                continue
            key = field.alias.value if field.alias else name
            child = value.get(key) if isinstance(value, Mapping) else None
            if self.page_size(field) is not None:
                total += 1 + sum(
                    self.actual(field.selection_set, item) for item in _connection_items(child)
                )
            else:
                if isinstance(child, list):
                    child = child[0] if child else None
                total += 1 + self.actual(field.selection_set, child)
        return total


def _connection_items(connection: Any) -> list[dict[str, Any]]:
    """Split a returned connection into one single-item connection per returned item."""
    if not isinstance(connection, Mapping):
        return []
    nodes = connection.get("nodes")
    edges = connection.get("edges")
    count = max(len(nodes) if isinstance(nodes, list) else 0,
                len(edges) if isinstance(edges, list) else 0)
    items = []
    for i in range(count):
        item = dict(connection)
        if isinstance(nodes, list):
            item["nodes"] = nodes[i : i + 1]
        if isinstance(edges, list):
            item["edges"] = edges[i : i + 1]
        items.append(item)
    return items


def requested_cost(
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The cost Orderchamp charges up front for running this operation with these variables."""
    operation = select_operation(document, operation_name)
    return _Walker(document, variables, operation).requested(operation.selection_set)


def actual_cost(
    document: DocumentNode,
    data: Mapping[str, Any] | None,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The cost of the operation given the ``data`` it returned (never above the requested)."""
    operation = select_operation(document, operation_name)
    walker = _Walker(document, variables, operation)
    return min(walker.actual(operation.selection_set, data),
               walker.requested(operation.selection_set))
