"""Logging set-up for the CLI and the daemon (library code only calls ``getLogger``).

Two formats: ``text`` for people and ``json`` (one object per line) for log shippers. Tokens and
secrets given to :func:`configure_logging` are masked in every record.

Text logs escape control and other non-printable characters in messages (``\\n``, ``\\x1b``,
``\\u2028``...), so outside data such as an order number with a newline cannot forge a log
line and ESC or NUL never reach a terminal raw; a traceback keeps its lines but each is
indented, so none can pass for a record of its own. JSON logs are escaped by JSON itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["JsonFormatter", "TextFormatter", "configure_logging", "escape_control"]

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def escape_control(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every non-printable character (control characters, line and paragraph
    separators, lone surrogates...) written as a backslash escape; spaces stay. With
    ``keep_newlines`` a ``\\n`` stays a line break (for tracebacks)."""
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() or char == " " or (keep_newlines and char == "\n")
        else _escape_char(char) for char in text)


class TextFormatter(logging.Formatter):
    """The text format: one line per record, outside data escaped (see the module doc)."""

    def format(self, record: logging.LogRecord) -> str:
        # Like logging.Formatter.format, but never reuses ``record.exc_text``: another handler
        # may have cached an unescaped traceback there.
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        message = record.message
        record.message = escape_control(message)
        try:
            text = self.formatMessage(record)
        finally:
            record.message = message
        if record.exc_info:
            text += "\n" + _indented(self.formatException(record.exc_info))
        elif record.exc_text:
            text += "\n" + _indented(record.exc_text)
        if record.stack_info:
            text += "\n" + _indented(self.formatStack(record.stack_info))
        return text


def _indented(text: str) -> str:
    return "\n".join("  " + line for line in escape_control(text, keep_newlines=True)
                     .split("\n"))


class _Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(
    level: str | int = "INFO",
    fmt: str = "text",
    *,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Send ``oc_bridge`` logs (and warnings from libraries) to ``stream`` in ``fmt``.

    Calling it again replaces the previous handler, so in-process CLI runs don't stack handlers.
    """
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(_Redactor(secrets))
    handler.set_name("oc_bridge")
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == "oc_bridge":
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("oc_bridge").setLevel(level)
    for name in ("oc_bridge_csv", "oc_bridge_rest", "oc_bridge_shipstation"):
        logging.getLogger(name).setLevel(level)
