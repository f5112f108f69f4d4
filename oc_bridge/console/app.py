"""The console's route table and request handling: authentication, CSRF, security headers.

Every route is listed once in :data:`ROUTES`; ``public`` routes (the log-in form and the
stylesheet) are the only ones answered without a signed-in user: any other GET is redirected
to the log-in page and any other method gets 401, before the view runs. Every POST must carry
the session's CSRF token (403 otherwise), the log-in form included. Pages are rendered by
:mod:`oc_bridge.console.views`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from oc_bridge.console.auth import Identity, SessionManager, session_secret
from oc_bridge.console.overview import ConsoleServices
from oc_bridge.console.security import LoginRateLimiter, Session
from oc_bridge.daemon.web import Request, Response, Router

__all__ = ["CONTENT_SECURITY_POLICY", "ROUTES", "ConsoleRequest", "ConsoleRoute",
           "mount_console"]

log = logging.getLogger(__name__)

PREFIX = "/console"

#: No inline script or style anywhere; nothing may frame the console.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)


@dataclass(frozen=True)
class ConsoleRoute:
    """One console URL: method, pattern (``<name>`` is one path segment), the view function's
    name in :mod:`oc_bridge.console.views`, and whether it is answered without log-in."""

    method: str
    pattern: str
    view: str
    public: bool = False


#: Every console route. Tests enumerate this table (never a hand-written list).
ROUTES: tuple[ConsoleRoute, ...] = (
    ConsoleRoute("GET", f"{PREFIX}/login", "login_form", public=True),
    ConsoleRoute("POST", f"{PREFIX}/login", "login", public=True),
    ConsoleRoute("GET", f"{PREFIX}/static/<name>", "static", public=True),
    ConsoleRoute("POST", f"{PREFIX}/logout", "logout"),
    ConsoleRoute("POST", f"{PREFIX}/account", "switch_account"),
    ConsoleRoute("GET", PREFIX, "overview"),
    ConsoleRoute("GET", f"{PREFIX}/", "overview"),
    ConsoleRoute("GET", f"{PREFIX}/parked", "parked"),
    ConsoleRoute("POST", f"{PREFIX}/parked/<parked_id>/retry", "retry"),
    ConsoleRoute("GET", f"{PREFIX}/orders", "find_order"),
    ConsoleRoute("GET", f"{PREFIX}/orders/<ref>", "order"),
    ConsoleRoute("POST", f"{PREFIX}/orders/<ref>/resync", "resync"),
    ConsoleRoute("GET", f"{PREFIX}/orders/<ref>/forget", "forget_form"),
    ConsoleRoute("POST", f"{PREFIX}/orders/<ref>/forget", "forget"),
    ConsoleRoute("POST", f"{PREFIX}/orders/<ref>/hold", "hold"),
    ConsoleRoute("POST", f"{PREFIX}/orders/<ref>/release", "release"),
    ConsoleRoute("GET", f"{PREFIX}/adapters", "adapters"),
    ConsoleRoute("GET", f"{PREFIX}/webhooks", "webhooks"),
)


@dataclass
class ConsoleRequest:
    """A request as a view sees it: the HTTP request, who asks, the parsed query and form."""

    http: Request
    identity: Identity
    query: dict[str, str]
    form: dict[str, str]
    console: Console
    #: A session to send instead of the current one (log-in, log-out).
    new_session: Session | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    @property
    def user(self) -> str | None:
        """The signed-in user, or None."""
        return self.identity.user

    @property
    def session(self) -> Session:
        """The session the response will carry."""
        return self.new_session or self.identity.session

    @property
    def csrf(self) -> str:
        """The CSRF token for forms on the page being rendered."""
        return self.console.sessions.csrf(self.session)

    @property
    def account(self) -> str:
        """The account this request looks at: the one chosen (cookie), else the first."""
        return self.console.account_of(self.http)

    @property
    def services(self) -> ConsoleServices:
        """The services of :attr:`account`."""
        return self.console.accounts[self.account]


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}


def redirect(location: str) -> Response:
    """303 See Other to ``location`` (a path on this server)."""
    return Response(303, b"", "text/plain", [("Location", location)])


def safe_next(target: str | None) -> str:
    """``target`` when it is a console path on this server, else the overview (no open
    redirect to another host, ``//host`` or ``/\\host`` included)."""
    if target and re.fullmatch(r"/console(/[A-Za-z0-9._~%/?=&+-]*)?", target) \
            and "//" not in target and "\\" not in target:
        return target
    return f"{PREFIX}/"


#: The cookie that remembers which account a several-accounts console shows.
ACCOUNT_COOKIE = "oc_console_account"


class Console:
    """The console of one daemon: sessions, rate limit, views and flash messages.

    ``accounts`` maps account names to their services; a single-account daemon has one
    (named ``""``). With several, the header offers a switch and each page shows the chosen
    account; sessions are signed with the first account's key."""

    def __init__(self, accounts: Mapping[str, ConsoleServices]) -> None:
        from oc_bridge.console import views  # the views import this module's types

        if not accounts:
            raise ValueError("no accounts")
        self.accounts = dict(accounts)
        first = next(iter(self.accounts.values()))
        settings = first.runtime.settings.console
        self.settings = settings
        self.sessions = SessionManager(settings, session_secret(settings, first.runtime.store))
        self.limiter = LoginRateLimiter(per_client=settings.login_attempts,
                                        overall=settings.login_attempts_global,
                                        window_seconds=settings.login_window)
        self.views = views
        self._flash: dict[str, list[str]] = {}
        if settings.password_hash is None and not settings.trusted_header:
            log.warning("console enabled without console.password_hash or "
                        "console.trusted_header: nobody can log in "
                        "(oc-bridge console set-password prints a hash)")

    def account_of(self, request: Request) -> str:
        """The account named by the request's account cookie when it is one, else the first."""
        chosen = self.sessions.cookie(request, ACCOUNT_COOKIE)
        return chosen if chosen in self.accounts else next(iter(self.accounts))

    def account_cookie(self, name: str) -> tuple[str, str]:
        """The ``Set-Cookie`` header choosing account ``name``."""
        secure = "; Secure" if self.settings.secure_cookies else ""
        return ("Set-Cookie", f"{ACCOUNT_COOKIE}={quote(name, safe='')}; Path=/console/; "
                f"HttpOnly; SameSite=Strict{secure}")

    # --- flash messages (kept per session, shown once) ------------------------------------

    def flash(self, session: Session, message: str) -> None:
        """Show ``message`` on the next page this session sees."""
        while len(self._flash) >= 1000:
            del self._flash[next(iter(self._flash))]
        self._flash.setdefault(session.nonce, []).append(message)

    def take_flash(self, session: Session) -> list[str]:
        """The messages waiting for this session (then forgotten)."""
        return self._flash.pop(session.nonce, [])

    # --- request handling -----------------------------------------------------------------

    def handler(self, route: ConsoleRoute) -> Callable[[Request], Response]:
        """The router handler of ``route``: identify, check CSRF and log-in, run the view,
        add security headers and the session cookie."""
        view: Callable[[ConsoleRequest], Response] = getattr(self.views, route.view)

        def handle(request: Request) -> Response:
            identity = self.sessions.identify(request)
            form: dict[str, str] = {}
            if request.method == "POST":
                form = _single(parse_qs(request.body.decode("utf-8", "replace"),
                                        keep_blank_values=True))
            ctx = ConsoleRequest(request, identity, _single(parse_qs(request.query)), form,
                                 self)
            if not route.public and identity.user is None:
                if request.method == "GET":
                    target = request.path + (f"?{request.query}" if request.query else "")
                    response = redirect(f"{PREFIX}/login?next={quote(target, safe='')}")
                else:
                    response = Response.text(401, "log in first\n")
            elif request.method == "POST" and (identity.fresh or not self.sessions.csrf_valid(
                    identity.session, form.get("csrf_token"))):
                log.warning("console: %s %s from %s refused: missing or wrong CSRF token",
                            request.method, request.path, request.remote)
                response = self.views.refused(ctx, 403, "The form's security token is "
                                              "missing, wrong or from an expired session. "
                                              "Reload the page and try again.")
            else:
                response = view(ctx)
            response.headers.extend(SECURITY_HEADERS)
            if ctx.new_session is not None:
                response.headers.append(self.sessions.set_cookie(ctx.new_session))
            elif identity.fresh:
                response.headers.append(self.sessions.set_cookie(identity.session))
            return response

        return handle


def mount_console(router: Router,
                  services: ConsoleServices | Mapping[str, ConsoleServices]) -> Console:
    """Add every console route to ``router`` for one account's services, or several accounts'
    (by account name); returns the console."""
    console = Console({"": services} if isinstance(services, ConsoleServices) else services)
    for route in ROUTES:
        router.add(route.method, route.pattern, console.handler(route))
    log.info("operator console at %s/ (%s)", PREFIX,
             "trusted header " + console.settings.trusted_header
             if console.settings.trusted_header else "password log-in")
    return console
