"""Unit tests of the console's security primitives: password hashes, signed sessions, CSRF
tokens, the log-in rate limit and the redirect target check."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from oc_bridge.console.app import safe_next
from oc_bridge.console.security import (
    LoginRateLimiter,
    SessionSigner,
    csrf_valid,
    hash_password,
    verify_password,
)

KEY = b"0123456789abcdef0123456789abcdef"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


# --- passwords ----------------------------------------------------------------------------------


def test_password_hash_round_trip_and_random_salt() -> None:
    first, second = hash_password("s3cret pass"), hash_password("s3cret pass")
    assert first != second  # salted
    assert first.startswith("scrypt$n=16384,r=8,p=1$")
    assert verify_password("s3cret pass", first) and verify_password("s3cret pass", second)
    assert not verify_password("s3cret pasS", first)
    assert not verify_password("", first)


def test_same_salt_same_hash() -> None:
    assert hash_password("x" * 12, salt=b"1" * 16) == hash_password("x" * 12, salt=b"1" * 16)


@pytest.mark.parametrize("stored", [
    "", "plain", "scrypt$", "bcrypt$n=1,r=1,p=1$AAAA$AAAA", "scrypt$n=16384,r=8$AAAA$AAAA",
    "scrypt$n=9999999999,r=8,p=1$AAAA$AAAA", "scrypt$n=16384,r=8,p=1$AAAA$",
    "scrypt$n=16384,r=8,p=1$!!$??", "scrypt$n=x,r=8,p=1$AAAA$AAAA",
])
def test_malformed_hashes_never_verify(stored: str) -> None:
    assert not verify_password("anything", stored)


def test_hash_depends_on_cost_parameters() -> None:
    stored = hash_password("pw-1234567890")
    weaker = stored.replace("n=16384", "n=1024")
    assert not verify_password("pw-1234567890", weaker)


# --- sessions -----------------------------------------------------------------------------------


def test_session_round_trip_and_expiry() -> None:
    clock = Clock()
    signer = SessionSigner(KEY, clock=clock)
    session = signer.new("admin", 60)
    value = signer.dumps(session)
    assert signer.loads(value) == session
    clock.now += 59
    assert signer.loads(value) == session
    clock.now += 2
    assert signer.loads(value) is None


def test_altered_or_foreign_cookies_are_no_session() -> None:
    signer = SessionSigner(KEY)
    value = signer.dumps(signer.new("admin", 60))
    payload, mac = value.split(".")
    other = SessionSigner(b"another key of 32 bytes........!")
    assert other.loads(value) is None
    assert signer.loads(f"{payload}x.{mac}") is None
    flipped = "B" if mac[-1] == "A" else "A"
    assert signer.loads(f"{payload}.{mac[:-1]}{flipped}") is None
    assert signer.loads(f"{payload}.{mac}A") is None
    forged_payload = signer.dumps(signer.new("root", 60)).split(".")[0]
    assert signer.loads(f"{forged_payload}.{mac}") is None
    for junk in ("", ".", "a.b.c", "no-dot", "é.é", None):
        assert signer.loads(junk) is None


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_any_cookie_text_is_a_session_or_none(value: str) -> None:
    assert SessionSigner(KEY).loads(value) is None


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        SessionSigner(b"short")


# --- CSRF ---------------------------------------------------------------------------------------


def test_csrf_token_is_bound_to_the_session() -> None:
    signer = SessionSigner(KEY)
    mine, theirs = signer.new("admin", 60), signer.new("admin", 60)
    token = signer.csrf(mine)
    assert signer.csrf_valid(mine, token)
    assert not signer.csrf_valid(theirs, token)
    assert not signer.csrf_valid(mine, None) and not signer.csrf_valid(mine, "")
    assert not signer.csrf_valid(None, token)
    assert not signer.csrf_valid(mine, token[:-1])
    assert not signer.csrf_valid(mine, token + "é")
    assert not csrf_valid(b"x" * 32, mine, token)  # another key
    assert SessionSigner(KEY).csrf(mine) == token  # stateless: any daemon with the key agrees


# --- rate limit ---------------------------------------------------------------------------------


def test_rate_limit_per_client_and_window() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(per_client=3, overall=100, window_seconds=60, clock=clock)
    for _ in range(3):
        assert limiter.allowed("10.0.0.1")
        limiter.failed("10.0.0.1")
    assert not limiter.allowed("10.0.0.1")
    assert limiter.allowed("10.0.0.2")  # another client is not punished
    clock.now += 61
    assert limiter.allowed("10.0.0.1")  # old failures leave the window


def test_rate_limit_overall() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(per_client=5, overall=4, window_seconds=60, clock=clock)
    for client in ("a", "b", "c", "d"):
        limiter.failed(client)
    assert not limiter.allowed("e")  # a spread-out attack stops everyone for a while
    clock.now += 61
    assert limiter.allowed("e")


def test_rate_limit_memory_is_bounded() -> None:
    limiter = LoginRateLimiter(per_client=1, overall=10**6, window_seconds=60, max_clients=10)
    for i in range(100):
        limiter.failed(f"client-{i}")
    assert len(limiter._clients) == 10
    assert not limiter.allowed("client-99")


# --- redirect target ----------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "expected"), [
    ("/console/parked?kind=order", "/console/parked?kind=order"),
    ("/console/orders/OC-1", "/console/orders/OC-1"),
    (None, "/console/"), ("", "/console/"), ("https://evil.example/", "/console/"),
    ("//evil.example/console/", "/console/"), ("/console//evil", "/console/"),
    ("/console/\\evil", "/console/"), ("/metrics", "/console/"),
    ("/console/x\r\nSet-Cookie: a=b", "/console/"), ("/consolex", "/console/"),
])
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
