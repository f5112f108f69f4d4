"""Several Orderchamp accounts in one deployment: ``[accounts.<name>]`` tables.

Design: each account is served as if it were its own deployment. :func:`account_settings`
narrows the whole settings to one account — its ``[orderchamp]`` credentials and limits, its own
ledger (``store.url`` with the account name put in, or ``accounts.<name>.store_url``), its own
adapter instances and routing — and everything downstream (runtime, engine, ledger, CLI
commands, one daemon processor per account) works on that narrowed ``Settings`` unchanged. So
every ledger key, cursor, claim, inbox item and parked item belongs to exactly one account by
construction (no account column to forget in a query), and one account's throttling or outage
only ever holds up its own client, engine and workers.

Without ``[accounts.*]`` tables the single ``[orderchamp]`` table is the one implicit account
named :data:`DEFAULT_ACCOUNT`; nothing changes for such a deployment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from oc_bridge.errors import ConfigurationError, SettingProblem
from oc_bridge.settings import OrderchampSettings, Settings, StoreSettings, SyncSettings

__all__ = [
    "DEFAULT_ACCOUNT",
    "account_names",
    "account_problems",
    "account_schema",
    "account_settings",
    "account_store_url",
    "each_account",
    "has_accounts",
    "orderchamp_key",
    "select_account",
]

#: The name of the one implicit account of a deployment without ``[accounts.*]`` tables.
DEFAULT_ACCOUNT = "default"

#: Account names go into file names, PostgreSQL schema names and metric labels.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

#: ``[orderchamp]`` keys an account table may set for itself.
_ORDERCHAMP_KEYS = ("api_url", "token", "webhook_secret", "webhook_secret_previous",
                    "account_id", "bucket_size", "restore_rate", "max_attempts")
#: ``[orderchamp]`` keys that belong to one account and so must not be shared defaults.
_PER_ACCOUNT_KEYS = ("token", "webhook_secret", "webhook_secret_previous", "account_id")


def has_accounts(settings: Settings) -> bool:
    """True when the deployment declares ``[accounts.*]`` tables (and has not been narrowed
    to one of them)."""
    return bool(settings.accounts)


def account_names(settings: Settings) -> list[str]:
    """The accounts of the deployment, sorted; ``["default"]`` without ``[accounts.*]``."""
    if settings.account is not None:
        return [settings.account]
    return sorted(settings.accounts) or [DEFAULT_ACCOUNT]


def orderchamp_key(settings: Settings) -> str:
    """Where these settings' Orderchamp credentials come from, for messages:
    ``accounts.<name>`` or ``orderchamp``."""
    return f"accounts.{settings.account}" if settings.account else "orderchamp"


def account_schema(name: str) -> str:
    """The PostgreSQL schema of account ``name`` when its ledger is derived from a PostgreSQL
    ``store.url``: ``oc_<name>`` with ``-`` as ``_`` (a plain identifier, never quoted)."""
    return "oc_" + name.replace("-", "_")


def account_store_url(settings: Settings, name: str) -> str:
    """The ledger of account ``name``: its ``store_url``, else derived from ``store.url``.

    SQLite: the name before the file suffix (``sqlite:///data/ledger.db`` →
    ``sqlite:///data/ledger.<name>.db``). PostgreSQL: the same database, with the account's own
    schema (:func:`account_schema`) as the connection's ``search_path`` (libpq's ``options``
    parameter); ``oc-bridge --account NAME db upgrade`` creates the schema.
    """
    explicit = settings.accounts[name].store_url
    if explicit:
        return explicit
    base = settings.store.url
    if base.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(base)
        query = parse_qsl(parts.query, keep_blank_values=True)
        options = " ".join([*(v for k, v in query if k == "options"),
                            f"-csearch_path={account_schema(name)}"])
        query = [(k, v) for k, v in query if k != "options"] + [("options", options)]
        return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
    prefix = "sqlite:///"
    if not base.startswith(prefix) or base[len(prefix):] in ("", ":memory:"):
        return base
    path = PurePosixPath(base[len(prefix):])
    return prefix + str(path.with_name(f"{path.stem}.{name}{path.suffix}"))


def account_settings(settings: Settings, name: str) -> Settings:
    """``settings`` narrowed to account ``name``: its credentials over the ``[orderchamp]``
    defaults, its ledger, only its adapter instances, its routing, no ``[accounts.*]``.
    Raises ``ConfigurationError`` for an unknown name."""
    if name not in settings.accounts:
        known = ", ".join(sorted(settings.accounts)) or "none configured"
        raise ConfigurationError(f"no account {name!r} (accounts: {known})")
    account = settings.accounts[name]
    own = {key: getattr(account, key) for key in _ORDERCHAMP_KEYS
           if getattr(account, key) is not None}
    orderchamp = OrderchampSettings(**{**settings.orderchamp.model_dump(), **own})
    narrowed = settings.model_copy(update={
        "orderchamp": orderchamp,
        "store": StoreSettings(url=account_store_url(settings, name)),
        "sync": SyncSettings(**{**settings.sync.model_dump(), "routing": account.routing}),
        "adapters": {instance: section for instance, section in settings.adapters.items()
                     if instance in account.adapters},
        "accounts": {},
    })
    narrowed._account = name
    return narrowed


def each_account(settings: Settings) -> Iterator[Settings]:
    """The settings of every account, in name order (just ``settings`` without accounts)."""
    if not has_accounts(settings):
        yield settings
        return
    for name in sorted(settings.accounts):
        yield account_settings(settings, name)


def select_account(settings: Settings, name: str | None) -> Settings:
    """The settings of the one account a command works on (``--account NAME``).

    Without ``[accounts.*]`` the whole settings (``--account default`` is accepted too); with
    them, the named account, or the only one when there is just one. Raises
    ``ConfigurationError`` (exit code 2) for an unknown name, or when several accounts are
    configured and none was chosen.
    """
    if not has_accounts(settings):
        if name not in (None, DEFAULT_ACCOUNT):
            raise ConfigurationError(
                f"--account {name}: no [accounts.*] tables are configured; the [orderchamp] "
                f"table is the one account ({DEFAULT_ACCOUNT!r})")
        return settings
    if name is None:
        if len(settings.accounts) == 1:
            return account_settings(settings, next(iter(settings.accounts)))
        raise ConfigurationError(
            f"several Orderchamp accounts are configured ({', '.join(sorted(settings.accounts))})"
            "; choose one with --account NAME")
    return account_settings(settings, name)


def account_problems(settings: Settings) -> list[SettingProblem]:
    """Every problem of the ``[accounts.*]`` tables, each naming its key path: bad names,
    duplicate account ids, unknown or shared adapter instances, routing outside the account's
    instances, shared ledgers, per-account keys left in ``[orderchamp]`` or ``[sync]``."""
    if not settings.accounts:
        return []
    problems: list[SettingProblem] = []
    for key in _PER_ACCOUNT_KEYS:
        if getattr(settings.orderchamp, key) is not None:
            problems.append(SettingProblem(
                f"orderchamp.{key}", "is per account when [accounts.*] tables are configured: "
                f"set accounts.<name>.{key} instead"))
    if settings.sync.routing:
        problems.append(SettingProblem(
            "sync.routing", "is per account when [accounts.*] tables are configured: "
            "use accounts.<name>.routing"))
    ids: dict[str, str] = {}
    ledgers: dict[str, str] = {}
    owners: dict[str, str] = {}
    known = ", ".join(sorted(settings.adapters)) or "none"
    for name, account in sorted(settings.accounts.items()):
        where = f"accounts.{name}"
        if not NAME_PATTERN.match(name):
            problems.append(SettingProblem(
                where, "account names are 1-40 lowercase letters, digits, '_' or '-' "
                "(they name ledger files and metric labels)"))
        if account.account_id in ids:
            problems.append(SettingProblem(
                f"{where}.account_id", f"{account.account_id!r} is also the account id of "
                f"accounts.{ids[account.account_id]}"))
        ids.setdefault(account.account_id, name)
        ledger = account_store_url(settings, name)
        if ledger in ledgers:
            problems.append(SettingProblem(
                f"{where}.store_url", f"{ledger} is also the ledger of accounts.{ledgers[ledger]}"
                "; every account needs its own"))
        ledgers.setdefault(ledger, name)
        if not account.adapters:
            problems.append(SettingProblem(
                f"{where}.adapters", "names no adapter instance; list the [adapters.<name>] "
                "tables this account's orders go to"))
        for index, instance in enumerate(account.adapters):
            if instance not in settings.adapters:
                problems.append(SettingProblem(
                    f"{where}.adapters.{index}",
                    f"no adapter instance {instance!r} (configured: {known})"))
            elif instance in owners and owners[instance] != name:
                problems.append(SettingProblem(
                    f"{where}.adapters.{index}",
                    f"adapter instance {instance!r} already serves accounts.{owners[instance]}; "
                    "an instance serves one account (declare another [adapters.<name>] table "
                    "with type = ... for this one)"))
            else:
                owners[instance] = name
        for index, rule in enumerate(account.routing):
            if rule.adapter not in account.adapters:
                problems.append(SettingProblem(
                    f"{where}.routing.{index}.adapter",
                    f"{rule.adapter!r} is not one of this account's adapters "
                    f"({', '.join(account.adapters) or 'none'})"))
    for instance, section in sorted(settings.adapters.items()):
        if section.enabled and instance not in owners:
            problems.append(SettingProblem(
                f"adapters.{instance}", "no account uses this instance: add it to "
                "accounts.<name>.adapters, or set enabled = false"))
    return problems
