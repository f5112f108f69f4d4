"""Log lines cannot be forged: control characters from outside data are escaped in text logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oc_bridge.logs import configure_logging, escape_control

log = logging.getLogger("oc_bridge.engine.test")
FORGED = "OC-1\n12:00:00 INFO    oc_bridge.engine: order OC-2 exported"


@contextmanager
def logged(fmt: str = "text") -> Iterator[io.StringIO]:
    """Logs in ``fmt`` go to the yielded stream inside the block."""
    out = io.StringIO()
    configure_logging("DEBUG", fmt, stream=out)
    try:
        yield out
    finally:
        configure_logging("WARNING", "text", stream=io.StringIO())


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    with logged() as out:
        yield out


def test_a_newline_in_an_order_number_cannot_forge_a_log_line(stream: io.StringIO) -> None:
    log.info("order %s exported", FORGED)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "order OC-1\\n12:00:00 INFO" in lines[0]


def test_escape_nul_and_cr_never_reach_the_terminal(stream: io.StringIO) -> None:
    log.warning("file %s refused", "evil\x1b[2J\x00name\r\x7f\u2028\x9b")
    text = stream.getvalue()
    for raw in ("\x1b", "\x00", "\r", "\x7f", "\u2028", "\x9b"):
        assert raw not in text
    assert "evil\\x1b[2J\\x00name\\r\\x7f\\u2028\\x9b" in text


def test_a_traceback_keeps_its_lines_but_cannot_start_one(stream: io.StringIO) -> None:
    try:
        raise ValueError(FORGED)
    except ValueError:
        log.exception("reading %s failed", "x")
    lines = stream.getvalue().splitlines()
    assert "reading x failed" in lines[0]
    assert len(lines) > 2 and all(line.startswith(" ") for line in lines[1:])
    assert not any(line.startswith("12:00:00") for line in lines[1:])


def test_json_logs_keep_the_original_text() -> None:
    with logged("json") as out:
        log.info("order %s exported", FORGED)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["message"] == f"order {FORGED} exported"


def test_plain_text_is_unchanged() -> None:
    text = "order OC-1 for Café Zoë (ß) exported: 3 lines, ☕ \\n stays"
    assert escape_control(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_logs_as_exactly_one_printable_line(text: str) -> None:
    with logged() as out:
        log.info("value %s", text)
    written = out.getvalue()
    assert written.endswith("\n") and written.count("\n") == 1
    assert written[:-1].isprintable()
