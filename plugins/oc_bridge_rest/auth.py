"""Authentication of the REST warehouse adapter: Basic, Bearer, an API key in a named header, or
an API key in the query string.

Every secret is either written in the table (``SecretStr``, never printed) or read from a named
environment variable (``token_env = "PICQER_API_KEY"``); a variable that is not set is a
configuration error naming the ``..._env`` key. A value written in the table wins over its
``_env`` sibling, so a profile may suggest a variable and a table may still give the value.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from oc_bridge_rest.config_base import Loc, Strict, raise_if_any

__all__ = ["AuthConfig"]

#: Secret fields that must be present, per auth type.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "basic": ("username",),
    "bearer": ("token",),
    "header": ("value",),
    "query": ("value",),
}


class AuthConfig(Strict):
    """``auth = { type = "basic" | "bearer" | "header" | "query", ... }``.

    ``basic``: ``username`` (+ optional ``password``, empty by default: Picqer puts the API key
    in the username). ``bearer``: ``token``. ``header``/``query``: ``name`` (header or query
    parameter name) and ``value``. Each secret may instead come from ``<field>_env``.
    """

    type: Literal["basic", "bearer", "header", "query"]
    username: SecretStr | None = None
    username_env: str | None = None
    password: SecretStr | None = None
    password_env: str | None = None
    token: SecretStr | None = None
    token_env: str | None = None
    name: str | None = Field(None, description="Header or query parameter name.")
    value: SecretStr | None = None
    value_env: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> AuthConfig:
        problems: list[tuple[Loc, str]] = []
        for field in ("username", "password", "token", "value"):
            env = getattr(self, f"{field}_env")
            if getattr(self, field) is None and env and env not in os.environ:
                problems.append(((f"{field}_env",), f"environment variable {env} is not set"))
        for field in _REQUIRED[self.type]:
            if getattr(self, field) is None and getattr(self, f"{field}_env") is None:
                problems.append(
                    ((field,), f"required for {self.type} auth (or set {field}_env)")
                )
        if self.type in ("header", "query") and not self.name:
            what = "header" if self.type == "header" else "query parameter"
            problems.append((("name",), f"required for {self.type} auth: the {what} name"))
        raise_if_any(problems)
        return self

    def secret(self, field: str, environ: Mapping[str, str] | None = None) -> str:
        """The secret ``field`` (``username``, ``password``, ``token``, ``value``): from the
        table, else from its environment variable, else empty."""
        given: SecretStr | None = getattr(self, field)
        if given is not None:
            return given.get_secret_value()
        env = getattr(self, f"{field}_env")
        source = os.environ if environ is None else environ
        return source.get(env, "") if env else ""

    def headers(self) -> dict[str, str]:
        """Request headers carrying the credentials (none for ``query`` auth)."""
        if self.type == "basic":
            raw = f"{self.secret('username')}:{self.secret('password')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
        if self.type == "bearer":
            return {"Authorization": f"Bearer {self.secret('token')}"}
        if self.type == "header" and self.name:
            return {self.name: self.secret("value")}
        return {}

    def query(self) -> dict[str, str]:
        """Query parameters carrying the credentials (only for ``query`` auth)."""
        if self.type == "query" and self.name:
            return {self.name: self.secret("value")}
        return {}

    def secrets(self) -> list[str]:
        """Every secret value, for redaction in logs and error messages."""
        values = [self.secret(f) for f in ("username", "password", "token", "value")]
        return [v for v in values if v]
