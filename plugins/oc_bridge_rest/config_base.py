"""Building blocks of the REST warehouse configuration: strict models, validated template and
expression strings, a request description, and :class:`KeyedProblems` for cross-field checks.

Field-level checks (template syntax, JMESPath syntax) fail on the field itself, so pydantic
reports them with their key path. Checks that need several fields (a test render with the
sample order, "this needs that") raise :class:`KeyedProblems`, which carries the relative key of
every problem; :func:`oc_bridge_rest.config.parse_rest_config` turns them into full
``adapters.<instance>.<path>`` keys, all reported at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from oc_bridge_rest.extract import ExpressionProblem, check_expression, check_target_path
from oc_bridge_rest.templating import (
    ORDER_REQUEST,
    TemplateProblem,
    check_syntax,
    render,
    render_json,
    sample_context,
)

__all__ = [
    "Expression",
    "KeyedProblems",
    "ListField",
    "Loc",
    "RequestConfig",
    "Strict",
    "Template",
    "error_message",
    "raise_if_any",
    "upper",
]

Loc = tuple[str | int, ...]


class KeyedProblems(ValueError):
    """Several configuration problems, each with its key path relative to the model that
    raised it (``(("lookup_order",), "required when search_before_create is true")``)."""

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{'.'.join(map(str, k))}: {m}" for k, m in self.problems))


def raise_if_any(problems: Sequence[tuple[Loc, str]]) -> None:
    """Raise :class:`KeyedProblems` when ``problems`` is not empty."""
    if problems:
        raise KeyedProblems(problems)


def upper(value: Any) -> Any:
    """Upper-case text (HTTP methods are accepted in any case)."""
    return value.upper() if isinstance(value, str) else value


#: A Jinja2 template string, syntax-checked at load.
Template = Annotated[str, AfterValidator(check_syntax)]
#: A JMESPath expression, compiled at load.
Expression = Annotated[str, AfterValidator(check_expression)]
Method = Annotated[
    Literal["GET", "POST", "PUT", "PATCH", "DELETE"], BeforeValidator(upper)
]


class Strict(BaseModel):
    """Base of every nested table: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ListField(Strict):
    """A list in a ``body_fields`` map: one object per element of ``each``, its keys built
    from ``fields`` (target path → expression over the element)."""

    each: Expression = Field(description="Expression giving the source list (order.lines).")
    fields: dict[str, Expression] = Field(description="Target path → expression per element.")

    @field_validator("fields")
    @classmethod
    def _targets(cls, value: dict[str, str]) -> dict[str, str]:
        raise_if_any([((k,), str(e)) for k, e in _bad_targets(value)])
        return value


def _bad_targets(fields: dict[str, Any]) -> Iterator[tuple[str, ExpressionProblem]]:
    for target in fields:
        try:
            check_target_path(target)
        except ExpressionProblem as exc:
            yield target, exc


def _body_fields(value: Any) -> Any:
    """Validate a ``body_fields`` map entry by entry, collecting every problem with its key."""
    if not isinstance(value, dict):
        raise ValueError("must be a table of target path = expression")
    problems: list[tuple[Loc, str]] = [((k,), str(e)) for k, e in _bad_targets(value)]
    out: dict[str, str | ListField] = {}
    for target, spec in value.items():
        if isinstance(spec, str):
            try:
                out[target] = check_expression(spec)
            except ExpressionProblem as exc:
                problems.append(((target,), str(exc)))
        elif isinstance(spec, dict | ListField):
            try:
                out[target] = ListField.model_validate(spec)
            except ValueError as exc:
                problems.extend(_nested(exc, (target,)))
        else:
            problems.append(((target,), "must be an expression or a table with each/fields"))
    raise_if_any(problems)
    return out


def error_message(error: Any) -> str:
    """The message of one pydantic error, without pydantic's ``Value error,`` prefix."""
    if error["type"] == "extra_forbidden":
        return "unknown key"
    inner = error.get("ctx", {}).get("error")
    if error["type"] == "value_error" and inner is not None:
        return str(inner)
    return str(error["msg"])


def _nested(exc: ValueError, prefix: Loc) -> Iterator[tuple[Loc, str]]:
    if not isinstance(exc, ValidationError):
        yield prefix, str(exc)
        return
    for error in exc.errors(include_url=False):
        inner = error.get("ctx", {}).get("error")
        loc = prefix + tuple(error["loc"])
        if isinstance(inner, KeyedProblems):
            yield from ((loc + k, m) for k, m in inner.problems)
        else:
            yield loc, error_message(error)


class RequestConfig(Strict):
    """One HTTP request: method, path and query/header values (templates), optional body.

    ``body_template`` renders JSON text; ``body_fields`` maps target paths to expressions over
    ``{"order": ...}``. ``accept_statuses`` are extra HTTP statuses that count as success
    (e.g. 404 on a cancel of an order the warehouse already removed).
    """

    method: Method = "GET"
    path: Template = Field(description="Path below base_url (or a full URL); a template.")
    query: dict[str, Template] = Field(default_factory=dict)
    headers: dict[str, Template] = Field(default_factory=dict)
    body_template: Template | None = None
    body_fields: Annotated[dict[str, Any] | None, BeforeValidator(_body_fields)] = None
    accept_statuses: list[Annotated[int, Field(ge=200, le=599)]] = Field(default_factory=list)

    #: Which variables the templates of this request see (see :mod:`.templating`).
    template_kind: ClassVar[str] = ORDER_REQUEST

    @field_validator("path", "body_template")
    @classmethod
    def _renders(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Test-render with the sample order; a body must render a JSON object or array."""
        if value is None:
            return value
        context = sample_context(cls.template_kind)
        if info.field_name == "body_template":
            if not isinstance(render_json(value, context), dict | list):
                raise TemplateProblem("must render a JSON object or array")
        else:
            render(value, context)
        return value

    @field_validator("query", "headers")
    @classmethod
    def _each_renders(cls, value: dict[str, str]) -> dict[str, str]:
        context = sample_context(cls.template_kind)
        problems: list[tuple[Loc, str]] = []
        for key, source in value.items():
            try:
                render(source, context)
            except TemplateProblem as exc:
                problems.append(((key,), str(exc)))
        raise_if_any(problems)
        return value

    @model_validator(mode="after")
    def _one_body(self) -> RequestConfig:
        if self.body_template is not None and self.body_fields is not None:
            raise_if_any([(("body_fields",), "give body_template or body_fields, not both")])
        return self

    @property
    def has_body(self) -> bool:
        """True when the request sends a JSON body."""
        return self.body_template is not None or self.body_fields is not None
