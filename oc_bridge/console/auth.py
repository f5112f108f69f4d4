"""Who is asking: the console's sessions, the trusted-header (SSO) mode and the session secret.

Two ways in, both configured under ``[console]``:

- password: ``console.user`` logs in with the password whose hash is ``console.password_hash``;
  the signed session cookie then names the user until it expires (``session_minutes``);
- trusted header: a reverse proxy that authenticated the user (SSO) sets ``trusted_header``;
  it is believed only when the request comes from one of ``trusted_proxies`` (the daemon sees
  the proxy's address as the client), else ignored and logged.

Every visitor carries a session cookie, anonymous until log-in, whose nonce binds the CSRF
token of each form. The signing key is ``console.session_secret`` or, when unset, a random
key generated once and kept in the ledger (cursor ``console.session_secret``).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import unquote

from oc_bridge.console.security import Session, SessionSigner
from oc_bridge.daemon.web import Request
from oc_bridge.settings import ConsoleSettings
from oc_bridge.store import Store

__all__ = ["COOKIE_NAME", "SECRET_CURSOR", "Identity", "SessionManager", "session_secret"]

log = logging.getLogger(__name__)

COOKIE_NAME = "oc_console"
#: The ledger cursor that keeps the generated session key when no ``session_secret`` is set.
SECRET_CURSOR = "console.session_secret"


def session_secret(settings: ConsoleSettings, store: Store) -> bytes:
    """The configured key, else the one kept in the ledger (generated on first use; a second
    daemon racing to create it reads back whichever was stored last, and both agree after)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode("utf-8")
    kept = store.get_cursor(SECRET_CURSOR)
    if not kept:
        store.set_cursor(SECRET_CURSOR, secrets.token_urlsafe(32))
        kept = store.get_cursor(SECRET_CURSOR)
    assert kept is not None
    return kept.encode("utf-8")


@dataclass(frozen=True)
class Identity:
    """The request's session (created when it had none) and the signed-in user, if any."""

    session: Session
    user: str | None
    #: True when the session is new or changed and its cookie must be sent.
    fresh: bool = False

    @property
    def actor(self) -> str:
        """How actions are recorded in the activity log: ``console:<user>``."""
        return f"console:{self.user}"


class SessionManager:
    """Reads identities from requests and writes session cookies."""

    def __init__(self, settings: ConsoleSettings, secret: bytes) -> None:
        self.settings = settings
        self.signer = SessionSigner(secret)
        self.lifetime = settings.session_minutes * 60.0
        self._proxies = [ipaddress.ip_network(p, strict=False) for p in settings.trusted_proxies]

    def _from_trusted_proxy(self, remote: str) -> bool:
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(address in network for network in self._proxies)

    def cookie(self, request: Request, name: str = COOKIE_NAME) -> str | None:
        """The value of cookie ``name`` in the request, or None."""
        raw = request.headers.get("Cookie")
        if not raw:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except CookieError:
            return None
        morsel = jar.get(name)
        return unquote(morsel.value) if morsel is not None else None

    def identify(self, request: Request) -> Identity:
        """The request's identity; an anonymous session is made when it carries none."""
        session = self.signer.loads(self.cookie(request))
        fresh = session is None
        if session is None:
            session = self.signer.new(None, self.lifetime)
        header = self.settings.trusted_header
        if header:
            value = (request.headers.get(header) or "").strip()
            if value and self._from_trusted_proxy(request.remote):
                return Identity(session, value, fresh)
            if value:
                log.warning("console: %s header from %s ignored (not a trusted proxy)",
                            header, request.remote)
        # A session names a user only while password log-in is on for that user.
        user = session.user if (self.settings.password_hash is not None
                                and session.user == self.settings.user) else None
        return Identity(session, user, fresh)

    def login(self, user: str) -> Session:
        """A new session for ``user`` (new nonce: a session fixed before log-in is useless)."""
        return self.signer.new(user, self.lifetime)

    def anonymous(self) -> Session:
        """A new anonymous session (after log-out)."""
        return self.signer.new(None, self.lifetime)

    def set_cookie(self, session: Session) -> tuple[str, str]:
        """The ``Set-Cookie`` header for ``session``: HttpOnly, SameSite=Strict, Path
        /console/, Max-Age until it expires, Secure when ``secure_cookies``."""
        secure = "; Secure" if self.settings.secure_cookies else ""
        return ("Set-Cookie", f"{COOKIE_NAME}={self.signer.dumps(session)}; Path=/console/; "
                f"Max-Age={int(self.lifetime)}; HttpOnly; SameSite=Strict{secure}")

    def csrf(self, session: Session) -> str:
        """The CSRF token for ``session``'s forms."""
        return self.signer.csrf(session)

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        """True when ``token`` is ``session``'s CSRF token (constant-time comparison)."""
        return self.signer.csrf_valid(session, token)

