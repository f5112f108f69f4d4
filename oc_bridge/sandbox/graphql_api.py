"""The executable schema: SDL + scalars + resolvers, validation (with Orderchamp's page-size rule)
and a small cache of parsed and validated documents.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLScalarType,
    GraphQLSchema,
    ValidationRule,
    build_schema,
    execute_sync,
    get_named_type,
    parse,
    specified_rules,
    validate,
)

from oc_bridge.sandbox.ids import CENT, format_datetime, parse_datetime
from oc_bridge.sandbox.resolvers import RESOLVERS, RequestContext, resolve_by_name

__all__ = ["GraphQLService", "PageSizeRequiredRule", "load_sdl"]

_CACHE_SIZE = 256


def load_sdl(path: str | Path | None = None) -> str:
    """The SDL at ``path``, or the built-in ``schema.graphql``."""
    if path is not None:
        return Path(path).read_text(encoding="utf-8")
    return resources.files("oc_bridge.sandbox").joinpath("schema.graphql").read_text("utf-8")


class PageSizeRequiredRule(ValidationRule):
    """A connection field without ``first`` or ``last`` is a validation error (as on Orderchamp)."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        """Check one field of the document against its definition."""
        definition = self.context.get_field_def()
        if definition is None or not ({"first", "last"} & set(definition.args)):
            return
        if not get_named_type(definition.type).name.endswith("Connection"):
            return
        given = {argument.name.value for argument in node.arguments or ()}
        if not {"first", "last"} & given:
            self.report_error(
                GraphQLError(
                    f'Field "{node.name.value}" needs a "first" or "last" argument: '
                    "every connection must be paginated",
                    node,
                )
            )


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str):
        return value
    raise GraphQLError(f"DateTime cannot represent {value!r}")


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"DateTime must be an ISO-8601 string, got {value!r}")
    try:
        return parse_datetime(value)
    except ValueError:
        raise GraphQLError(f"DateTime must be an ISO-8601 string, got {value!r}") from None


def _serialize_decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value.quantize(CENT)) if value.as_tuple().exponent != -2 else str(value)
    if isinstance(value, int | str):
        return str(Decimal(value).quantize(CENT))
    raise GraphQLError(f"Decimal cannot represent {value!r}")


def _parse_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise GraphQLError(f"Decimal must be a decimal string, got {value!r}") from None


def build_executable_schema(sdl: str) -> GraphQLSchema:
    """Build ``sdl`` and attach scalars and every resolver whose type and field exist."""
    schema = build_schema(sdl)
    scalars = {
        "DateTime": (_serialize_datetime, _parse_datetime),
        "Decimal": (_serialize_decimal, _parse_decimal),
    }
    for name, (serialize, parse_value) in scalars.items():
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            scalar.serialize = serialize  # type: ignore[method-assign]
            scalar.parse_value = parse_value  # type: ignore[method-assign]
    for (type_name, field_name), resolver in RESOLVERS.items():
        graphql_type = schema.type_map.get(type_name)
        fields = getattr(graphql_type, "fields", None)
        if fields is not None and field_name in fields:
            fields[field_name].resolve = resolver
    return schema


class GraphQLService:
    """Parses, validates (cached by query text) and executes documents against the schema."""

    def __init__(self, sdl: str) -> None:
        self.schema = build_executable_schema(sdl)
        self._rules = [*specified_rules, PageSizeRequiredRule]
        self._cache: OrderedDict[str, tuple[DocumentNode | None, list[GraphQLError]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def prepare(self, query: str) -> tuple[DocumentNode | None, list[GraphQLError]]:
        """The parsed document and its syntax or validation errors (empty when valid)."""
        with self._lock:
            cached = self._cache.get(query)
            if cached is not None:
                self._cache.move_to_end(query)
                return cached
        try:
            document: DocumentNode | None = parse(query)
        except GraphQLError as error:
            result: tuple[DocumentNode | None, list[GraphQLError]] = (None, [error])
        else:
            assert document is not None
            result = (document, list(validate(self.schema, document, self._rules)))
        with self._lock:
            self._cache[query] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def execute(
        self,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: RequestContext,
    ) -> ExecutionResult:
        """Run a validated document (the caller holds the state lock)."""
        return execute_sync(
            self.schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            field_resolver=resolve_by_name,
        )
