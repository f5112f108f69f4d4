"""Checking our GraphQL documents against a schema: the live one (``doctor``) or the sandbox's.

Names the public documentation could not settle live only in the operations folder and the
sandbox schema (reference §9). :func:`check_operations` validates every document with
graphql-core and reports each problem (unknown field, unknown argument, unknown enum value,
wrong variable type) with the operation's name and the file line, so an integrator can fix one
file on day one instead of finding out from a failed shipment.

:func:`fetch_schema` sends graphql-core's standard introspection query: the one document that
is not in the operations folder, because it is defined by the GraphQL specification rather than
by Orderchamp's schema, and its shape must match what ``build_client_schema`` expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    parse,
    validate,
)

from oc_bridge.errors import MalformedResponseError
from oc_bridge.orderchamp.enums import SENT_ENUM_VALUES
from oc_bridge.orderchamp.operations import Operation, all_operations

if TYPE_CHECKING:
    from oc_bridge.orderchamp.client import OrderchampClient

__all__ = ["INTROSPECTION", "Mismatch", "check_enum_values", "check_operations", "fetch_schema",
           "local_schema"]

INTROSPECTION = Operation(
    name="IntrospectionQuery",
    source=get_introspection_query(descriptions=False),
    document=parse(get_introspection_query(descriptions=False)),
    is_mutation=False,
)
"""The standard introspection query (without descriptions, to keep the answer small)."""


@dataclass(frozen=True)
class Mismatch:
    """One problem of one operation against a schema.

    ``line`` is the line in the file named at the start of ``message`` (the operation's own
    ``.graphql`` file, or ``fragments.graphql`` for a shared fragment); None without location.
    """

    operation: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.operation}: {self.message}{where}"


def local_schema() -> GraphQLSchema:
    """The sandbox's schema (``oc_bridge/sandbox/schema.graphql``): our written assumptions."""
    sdl = resources.files("oc_bridge.sandbox").joinpath("schema.graphql").read_text("utf-8")
    return build_schema(sdl)


def fetch_schema(client: OrderchampClient) -> GraphQLSchema:
    """The live schema, introspected with the client's token.

    Raises :class:`~oc_bridge.errors.MalformedResponseError` when the answer is not a usable
    introspection result (e.g. introspection is disabled).
    """
    data = client.execute_operation(INTROSPECTION)
    try:
        return build_client_schema(cast(Any, data))
    except (TypeError, ValueError, KeyError) as exc:
        raise MalformedResponseError(
            f"introspection answer is not a schema: {exc}", service="orderchamp"
        ) from exc


def _mismatch(operation: Operation, error: GraphQLError) -> Mismatch:
    line: int | None = None
    message = error.message
    if error.locations:
        file, line = operation.locate(error.locations[0].line)
        message = f"{file}: {message}"
    return Mismatch(operation=operation.name, message=message, line=line)


def check_operations(
    schema: GraphQLSchema, operations: Iterable[Operation] | None = None
) -> list[Mismatch]:
    """Every validation problem of ``operations`` (default: the whole folder) against ``schema``.

    An empty list means every document would be accepted by a server with that schema.
    """
    mismatches: list[Mismatch] = []
    for operation in all_operations() if operations is None else operations:
        mismatches.extend(_mismatch(operation, e) for e in validate(schema, operation.document))
    return mismatches


def check_enum_values(
    schema: GraphQLSchema, sent: Mapping[str, Sequence[str]] | None = None
) -> list[Mismatch]:
    """The enum values the bridge sends in variables (:data:`~oc_bridge.orderchamp.enums.
    SENT_ENUM_VALUES`, e.g. the shipment method) that ``schema`` does not have."""
    mismatches: list[Mismatch] = []
    for name, values in (SENT_ENUM_VALUES if sent is None else sent).items():
        enum = schema.get_type(name)
        if not isinstance(enum, GraphQLEnumType):
            mismatches.append(Mismatch(operation="enums.py", message=f"enum {name} is not in "
                                       "the schema"))
            continue
        for value in values:
            if value not in enum.values:
                known = ", ".join(enum.values)
                mismatches.append(Mismatch(operation="enums.py", message=f"{name} has no value "
                                           f"{value} (the schema has: {known})"))
    return mismatches

