"""JMESPath expressions and declarative field maps of the REST warehouse adapter.

Every expression in the configuration is compiled when it loads (:func:`check_expression`), so a
typo is a configuration error naming its key. At run time :func:`search` reads values out of
warehouse JSON, and :func:`build_body` turns a ``body_fields`` map (target path → expression over
``{"order": ...}``) into a request body.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

__all__ = [
    "ExpressionProblem",
    "as_int",
    "as_text",
    "build_body",
    "check_expression",
    "check_target_path",
    "search",
    "set_path",
]


class ExpressionProblem(ValueError):
    """A JMESPath expression failed to compile or a field map is malformed."""


@lru_cache(maxsize=1024)
def _compiled(expression: str) -> ParsedResult:
    return jmespath.compile(expression)


def check_expression(expression: str) -> str:
    """Return ``expression`` when it compiles as JMESPath, else raise
    :class:`ExpressionProblem` with the parser's explanation."""
    if not expression.strip():
        raise ExpressionProblem("JMESPath expression must not be empty")
    try:
        _compiled(expression)
    except JMESPathError as exc:
        detail = " ".join(str(exc).split())
        raise ExpressionProblem(f"invalid JMESPath expression {expression!r}: {detail}") from exc
    return expression


def check_target_path(path: str) -> str:
    """A body target path is dot-separated non-empty names (``address.street``)."""
    if not path or any(not part.strip() for part in path.split(".")):
        raise ExpressionProblem(f"invalid target path {path!r}: use names separated by dots")
    return path


def search(expression: str, data: Any) -> Any:
    """Evaluate a (pre-validated) JMESPath expression against ``data``."""
    try:
        return _compiled(expression).search(data)
    except JMESPathError as exc:  # type errors in functions over unexpected data
        raise ExpressionProblem(f"{expression!r} failed on this data: {exc}") from exc


def as_text(value: Any) -> str | None:
    """A scalar as text (None, empty text and containers give None); ints stay integral."""
    if value is None or isinstance(value, dict | list) or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_int(value: Any) -> int | None:
    """A number or numeric text as int; None when absent or not a whole number."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` in ``target``, creating nested objects."""
    parts = path.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def build_body(fields: Mapping[str, Any], data: Any) -> dict[str, Any]:
    """Build a JSON object from a ``body_fields`` map over ``data``.

    A string value is an expression over ``data``; an object with ``each`` and ``fields``
    attributes (:class:`~oc_bridge_rest.config_base.ListField`) makes a list: one object per
    element of ``each``, built from ``fields`` evaluated on the element.
    Null results are left out (most warehouses reject explicit nulls).
    """
    body: dict[str, Any] = {}
    for target, spec in fields.items():
        if isinstance(spec, str):
            value = search(spec, data)
            if value is not None:
                set_path(body, target, value)
            continue
        items = search(spec.each, data) or []
        built = [build_body(spec.fields, item) for item in items]
        set_path(body, target, built)
    return body
