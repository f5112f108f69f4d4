"""The console's security primitives: password hashes, signed session cookies, CSRF tokens and
the log-in rate limit. Pure functions and small classes over the standard library, so each is
unit-tested on its own (tests/console/test_security.py).

- Passwords: ``hashlib.scrypt`` (memory-hard, in the standard library since 3.6) with a random
  16-byte salt, stored as the self-describing ``scrypt$n=16384,r=8,p=1$<salt>$<hash>`` (base64)
  so the cost can be raised later without breaking stored hashes.
- Sessions: ``base64url(json) + "." + base64url(HMAC-SHA256)``; the JSON carries the user (or
  none before log-in), a random nonce and the expiry. Verified in constant time; an expired,
  altered or foreign cookie reads as no session.
- CSRF: the token of a session is ``HMAC(secret, "csrf:" + nonce)``: bound to the session,
  never stored, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "LoginRateLimiter",
    "Session",
    "SessionSigner",
    "csrf_token",
    "csrf_valid",
    "hash_password",
    "verify_password",
]

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
#: scrypt needs 128 * n * r bytes; allow a little more than that for raised parameters.
_SCRYPT_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A self-describing scrypt hash of ``password`` with a random salt (or the given one)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R,
                            p=_SCRYPT_P, maxmem=_SCRYPT_MAXMEM, dklen=32)
    return f"scrypt$n={_SCRYPT_N},r={_SCRYPT_R},p={_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored`` (a :func:`hash_password` string); False for
    a wrong password and for a malformed or unknown hash format. Constant-time comparison."""
    try:
        scheme, params, salt_text, digest_text = stored.split("$")
        if scheme != "scrypt":
            return False
        cost = dict(item.split("=", 1) for item in params.split(","))
        n, r, p = int(cost["n"]), int(cost["r"]), int(cost["p"])
        salt, expected = _unb64(salt_text), _unb64(digest_text)
        if not (1 < n <= 2**20 and 0 < r <= 32 and 0 < p <= 16 and expected):
            return False
        actual = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                                maxmem=_SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Session:
    """A verified session: ``user`` is None before log-in (the session then only carries the
    CSRF nonce of the log-in form)."""

    user: str | None
    nonce: str
    expires: float


class SessionSigner:
    """Signs and verifies session cookie values with HMAC-SHA256 under ``secret``."""

    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("session secret must be at least 16 bytes")
        self._key = hashlib.sha256(b"oc-bridge console session\0" + secret).digest()
        self._clock = clock

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def new(self, user: str | None, lifetime_seconds: float) -> Session:
        """A fresh session (new random nonce) for ``user``, valid ``lifetime_seconds``."""
        return Session(user, secrets.token_urlsafe(18), self._clock() + lifetime_seconds)

    def dumps(self, session: Session) -> str:
        """The cookie value of ``session``."""
        payload = _b64(json.dumps({"u": session.user, "n": session.nonce,
                                   "e": int(session.expires)},
                                  separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload)}"

    def loads(self, value: str | None) -> Session | None:
        """The session in a cookie value, or None when absent, altered, foreign or expired."""
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        try:
            if not hmac.compare_digest(mac.encode("ascii"), self._mac(payload).encode("ascii")):
                return None
            data = json.loads(_unb64(payload))
            user, nonce, expires = data["u"], str(data["n"]), float(data["e"])
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        if expires <= self._clock() or (user is not None and not isinstance(user, str)):
            return None
        return Session(user, nonce, expires)

    def csrf(self, session: Session) -> str:
        """The CSRF token of ``session`` (see :func:`csrf_token`)."""
        return csrf_token(self._key, session)

    def csrf_valid(self, session: Session | None, token: str | None) -> bool:
        """True when ``token`` is ``session``'s CSRF token (see :func:`csrf_valid`)."""
        return csrf_valid(self._key, session, token)


def csrf_token(key: bytes, session: Session) -> str:
    """The CSRF token bound to ``session``'s nonce under ``key``."""
    return _b64(hmac.new(key, f"csrf:{session.nonce}".encode(), hashlib.sha256).digest())


def csrf_valid(key: bytes, session: Session | None, token: str | None) -> bool:
    """True when ``token`` is ``session``'s CSRF token (constant-time); False without either."""
    if session is None or not token:
        return False
    return hmac.compare_digest(token.encode("utf-8", "replace"),
                               csrf_token(key, session).encode("ascii"))


class LoginRateLimiter:
    """Counts failed log-ins in a sliding window, per client address and for all clients.

    :meth:`allowed` says whether a client may try now; :meth:`failed` records a failure. A
    successful log-in does not reset the client's count (an attacker who guesses right once
    gains nothing from it), but the window ends old failures. Thread-safe; memory is bounded
    by dropping the least recently failing clients beyond ``max_clients``.
    """

    def __init__(self, *, per_client: int, overall: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000) -> None:
        self.per_client = per_client
        self.overall = overall
        self.window = window_seconds
        self._clock = clock
        self._max_clients = max_clients
        self._clients: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def allowed(self, client: str) -> bool:
        """True while ``client`` and everybody together are below their limits."""
        now = self._clock()
        with self._lock:
            self._trim(self._all, now)
            if len(self._all) >= self.overall:
                return False
            times = self._clients.get(client)
            if times is None:
                return True
            self._trim(times, now)
            if not times:
                del self._clients[client]
                return True
            return len(times) < self.per_client

    def failed(self, client: str) -> None:
        """Record one failed log-in of ``client``."""
        now = self._clock()
        with self._lock:
            self._all.append(now)
            times = self._clients.pop(client, None) or deque()
            times.append(now)
            self._clients[client] = times  # re-inserted: most recent last
            while len(self._clients) > self._max_clients:
                del self._clients[next(iter(self._clients))]
