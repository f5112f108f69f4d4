"""What a query costs the sandbox: its own reading of Orderchamp's cost rule.

Written from the reference document (orderchamp-api.md §2) alone, never from the client's
predictor, so that a misreading on either side shows up as a disagreement in the tests that
compare the two (tests/sandbox/test_sandbox_cost_independence.py).

The rule, as documented: every field costs 1 (scalars and objects alike), the query costs the
sum, and a connection multiplies the cost of its sub-selection by its ``first``/``last``.
Readings where the document is silent, chosen here and kept in this one module:

- A *connection* is a field called with a ``first`` or ``last`` argument (the document says
  every connection needs one); the field itself costs 1 on top of the multiplied sub-selection.
- Fields are merged by response key the way GraphQL merges them: a field selected twice (say
  directly and through a fragment) is resolved, and charged, once.
- ``@skip``/``@include`` are honoured; fragments and inline fragments count as their fields.
- *Actual* cost is the same rule with each connection's ``first``/``last`` replaced by the
  number of items it returned (a null connection returned none): the selection is what it
  was, only the connections' sizes are now known. Per returned item the lists ``edges``/
  ``nodes`` are priced on that item and the connection's other fields (``pageInfo``,
  ``totalCount``) once more, exactly as the requested cost multiplies them. A plain list is
  not a connection and is not multiplied: it is priced once, on its costliest item. So a full
  page costs what was requested and a short page less.
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
    SelectionSetNode,
    ValueNode,
    get_operation_ast,
    value_from_ast_untyped,
)

__all__ = ["charged_cost", "requested_cost"]

_MULTIPLIERS = ("first", "last")
_ITEM_LISTS = ("edges", "nodes")


class _Pricing:
    """Prices one operation of one document with one set of variables."""

    def __init__(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
    ) -> None:
        self.operation = _operation(document, operation_name)
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables: dict[str, Any] = {}
        for definition in self.operation.variable_definitions or ():
            name = definition.variable.name.value
            if definition.default_value is not None:
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self.variables.update(variables or {})
        # Pricing a page walks the same selections once per item: collect each one once.
        self._fields: dict[int, tuple[SelectionSetNode | None, dict[str, list[FieldNode]]]] = {}
        self._subs: dict[tuple[int, ...], tuple[list[FieldNode], SelectionSetNode | None]] = {}

    # -- selections -------------------------------------------------------------------------

    def fields(self, selection_set: SelectionSetNode | None) -> dict[str, list[FieldNode]]:
        """The selection's fields by response key, fragments expanded, directives applied."""
        cached = self._fields.get(id(selection_set))
        if cached is not None and cached[0] is selection_set:
            return cached[1]
        merged: dict[str, list[FieldNode]] = {}
        self._collect(selection_set, merged, set())
        self._fields[id(selection_set)] = (selection_set, merged)
        return merged

    def _collect(
        self,
        selection_set: SelectionSetNode | None,
        merged: dict[str, list[FieldNode]],
        visited: set[str],
    ) -> None:
        for selection in selection_set.selections if selection_set else ():
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                merged.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, merged, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visited:
                    continue
                self._collect(fragment.selection_set, merged, visited | {name})

    def _included(self, selection: Any) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next(
                (self.value(arg.value) for arg in directive.arguments if arg.name.value == "if"),
                None,
            )
            if (name == "skip") == bool(condition):
                return False
        return True

    def value(self, node: ValueNode) -> Any:
        return value_from_ast_untyped(node, self.variables)

    def multiplier(self, nodes: list[FieldNode]) -> int | None:
        """``first``/``last`` of a connection field, ``None`` for any other field."""
        for node in nodes:
            for argument in node.arguments or ():
                if argument.name.value in _MULTIPLIERS:
                    amount = self.value(argument.value)
                    if isinstance(amount, int) and not isinstance(amount, bool):
                        return max(amount, 0)
        return None

    def sub_selection(self, nodes: list[FieldNode]) -> SelectionSetNode | None:
        """The merged selection under a field selected (possibly more than once) as ``nodes``."""
        if len(nodes) == 1:
            return nodes[0].selection_set
        key = tuple(id(node) for node in nodes)
        cached = self._subs.get(key)
        if cached is not None and cached[0] is nodes:
            return cached[1]
        selections = [
            s for node in nodes if node.selection_set for s in node.selection_set.selections
        ]
        merged = SelectionSetNode(selections=tuple(selections)) if selections else None
        self._subs[key] = (nodes, merged)
        return merged

    # -- requested ----------------------------------------------------------------------------

    def requested(self, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for nodes in self.fields(selection_set).values():
            sub = self.sub_selection(nodes)
            inner = self.requested(sub) if sub is not None else 0
            multiplier = self.multiplier(nodes)
            total += 1 + inner * (1 if multiplier is None else multiplier)
        return total

    # -- charged (actual) ---------------------------------------------------------------------

    def charged(self, selection_set: SelectionSetNode | None, value: Any) -> int:
        """The rule on what came back: ``value`` is the object the selection was resolved on."""
        total = 0
        for key, nodes in self.fields(selection_set).items():
            field_value = value.get(key) if isinstance(value, Mapping) else None
            total += 1 + self._charged_field(nodes, field_value)
        return total

    def _charged_field(self, nodes: list[FieldNode], value: Any) -> int:
        sub = self.sub_selection(nodes)
        if sub is None:
            return 0
        if self.multiplier(nodes) is not None:
            return self._charged_connection(sub, value if isinstance(value, Mapping) else {})
        if isinstance(value, list) and value:
            return max(self._charged_field(nodes, item) for item in value)
        return self.charged(sub, None if isinstance(value, list) else value)

    def _charged_connection(self, sub: SelectionSetNode, connection: Mapping[str, Any]) -> int:
        fields = self.fields(sub)
        lists = {
            key
            for key, nodes in fields.items()
            if nodes[0].name.value in _ITEM_LISTS and isinstance(connection.get(key), list)
        }
        count = max((len(connection[key]) for key in lists), default=0)
        total = 0
        for index in range(count):
            for key, nodes in fields.items():
                if key in lists:
                    items = connection[key]
                    item = items[index] if index < len(items) else None
                    total += 1 + self.charged(self.sub_selection(nodes), item)
                else:
                    total += 1 + self._charged_field(nodes, connection.get(key))
        return total


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        wanted = f"named {operation_name!r}" if operation_name else "(exactly one, or name it)"
        raise ValueError(f"no operation {wanted} in the document")
    return operation


def requested_cost(
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """Points a query must find in the bucket before it runs (its selection priced).

    Raises ``ValueError`` when the document has no runnable operation by that name.
    """
    pricing = _Pricing(document, variables, operation_name)
    return pricing.requested(pricing.operation.selection_set)


def charged_cost(
    document: DocumentNode,
    data: Mapping[str, Any] | None,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """Points a query finally costs given the ``data`` it returned (the rest is refunded).

    Raises ``ValueError`` when the document has no runnable operation by that name.
    """
    pricing = _Pricing(document, variables, operation_name)
    return pricing.charged(pricing.operation.selection_set, data or {})
