"""Several Orderchamp accounts: ``[accounts.<name>]`` validation (every problem at once, with
key paths), narrowing the settings to one account, and choosing the account of a command."""

from __future__ import annotations

from pathlib import Path

import pytest

from oc_bridge.accounts import (
    account_names,
    account_settings,
    account_store_url,
    each_account,
    orderchamp_key,
    select_account,
)
from oc_bridge.errors import ConfigurationError, SettingsError
from oc_bridge.orderchamp.factory import client_from_settings
from oc_bridge.settings import Settings, load_settings

TWO_ACCOUNTS = """
[orderchamp]
api_url = "http://127.0.0.1:9/v1/graphql"
read_timeout = 7
bucket_size = 500

[store]
url = "sqlite:///data/ledger.db"

[accounts.shop_nl]
account_id = "QWNjb3VudDox"
token = "token-nl"
webhook_secret = "secret-nl"
adapters = ["csv_nl", "rest_nl"]
routing = [{ adapter = "rest_nl", countries = ["NL"] }, { adapter = "csv_nl" }]

[accounts.shop_de]
account_id = "QWNjb3VudDoy"
token = "token-de"
api_url = "http://127.0.0.1:10/v1/graphql"
bucket_size = 40
store_url = "sqlite:////var/lib/de.sqlite3"
adapters = ["csv_de"]

[adapters.csv_nl]
type = "csv"
[adapters.rest_nl]
type = "rest"
[adapters.csv_de]
type = "csv"
"""


def _load(tmp_path: Path, text: str, **environ: str) -> Settings:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ=environ)


def _problems(tmp_path: Path, text: str) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        _load(tmp_path, text)
    return {problem.key: problem.message for problem in caught.value.problems}


def test_an_account_is_the_deployment_narrowed_to_it(tmp_path: Path) -> None:
    settings = _load(tmp_path, TWO_ACCOUNTS)
    assert account_names(settings) == ["shop_de", "shop_nl"]
    nl = account_settings(settings, "shop_nl")
    assert nl.account == "shop_nl"
    assert nl.accounts == {}
    assert nl.orderchamp.token is not None and nl.orderchamp.token.get_secret_value() == "token-nl"
    assert nl.orderchamp.account_id == "QWNjb3VudDox"
    # keys the account leaves out come from [orderchamp]
    assert nl.orderchamp.api_url == "http://127.0.0.1:9/v1/graphql"
    assert (nl.orderchamp.read_timeout, nl.orderchamp.bucket_size) == (7, 500)
    assert nl.store.url == "sqlite:///data/ledger.shop_nl.db"
    assert sorted(nl.adapters) == ["csv_nl", "rest_nl"]
    assert [rule.adapter for rule in nl.sync.routing] == ["rest_nl", "csv_nl"]
    de = account_settings(settings, "shop_de")
    assert de.orderchamp.api_url == "http://127.0.0.1:10/v1/graphql"
    assert de.orderchamp.bucket_size == 40
    assert de.orderchamp.webhook_secret is None
    assert de.store.url == "sqlite:////var/lib/de.sqlite3"
    assert list(de.adapters) == ["csv_de"]
    assert [s.account for s in each_account(settings)] == ["shop_de", "shop_nl"]
    assert orderchamp_key(de) == "accounts.shop_de"


def test_without_accounts_nothing_changes(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[orderchamp]\ntoken = "t"\n[adapters.csv]\n')
    assert account_names(settings) == ["default"]
    assert list(each_account(settings)) == [settings]
    assert select_account(settings, None) is settings
    assert select_account(settings, "default") is settings
    assert orderchamp_key(settings) == "orderchamp"
    with pytest.raises(ConfigurationError, match="no \\[accounts"):
        select_account(settings, "shop_nl")


def test_a_command_needs_one_account(tmp_path: Path) -> None:
    settings = _load(tmp_path, TWO_ACCOUNTS)
    with pytest.raises(ConfigurationError, match=r"several .*\(shop_de, shop_nl\).*--account"):
        select_account(settings, None)
    with pytest.raises(ConfigurationError, match="no account 'shop_fr'"):
        select_account(settings, "shop_fr")
    assert select_account(settings, "shop_de").account == "shop_de"
    single = TWO_ACCOUNTS.split("[accounts.shop_de]")[0] + "[adapters.csv_nl]\n[adapters.rest_nl]\n"
    only = _load(tmp_path, single.replace('type = "csv"', ""))
    assert select_account(only, None).account == "shop_nl"


def test_account_ledgers_are_derived_from_store_url(tmp_path: Path) -> None:
    settings = _load(tmp_path, TWO_ACCOUNTS.replace('store_url = "sqlite:////var/lib/de.sqlite3"',
                                                    ""))
    assert account_store_url(settings, "shop_de") == "sqlite:///data/ledger.shop_de.db"
    plain = _load(tmp_path, TWO_ACCOUNTS.replace("sqlite:///data/ledger.db",
                                                 "sqlite:////srv/oc"))
    assert account_store_url(plain, "shop_nl") == "sqlite:////srv/oc.shop_nl"


def test_the_missing_token_names_the_account(tmp_path: Path) -> None:
    settings = _load(tmp_path, TWO_ACCOUNTS.replace('token = "token-de"', ""))
    de = account_settings(settings, "shop_de")
    with pytest.raises(ConfigurationError,
                       match=r"accounts\.shop_de\.token is not set "
                             r"\(OC_BRIDGE_ACCOUNTS__SHOP_DE__TOKEN"):
        client_from_settings(de.orderchamp, key=orderchamp_key(de))


def test_account_secrets_come_from_the_environment(tmp_path: Path) -> None:
    settings = _load(tmp_path, TWO_ACCOUNTS.replace('token = "token-de"', ""),
                     OC_BRIDGE_ACCOUNTS__SHOP_DE__TOKEN="from-env")
    token = account_settings(settings, "shop_de").orderchamp.token
    assert token is not None and token.get_secret_value() == "from-env"


def test_every_account_problem_at_once_with_key_paths(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """
[orderchamp]
token = "shared"
account_id = "QWNjb3VudDox"

[store]
url = "sqlite:///ledger.db"

[sync]
routing = [{ adapter = "csv_a" }]

[accounts.a]
account_id = "QWNjb3VudDox"
adapters = ["csv_a", "ghost"]
routing = [{ adapter = "csv_b" }]

[accounts.b]
account_id = "QWNjb3VudDox"
store_url = "sqlite:///ledger.a.db"
adapters = ["csv_a"]

[accounts.Bad_Name]
account_id = "QWNjb3VudDoz"

[adapters.csv_a]
type = "csv"
[adapters.csv_b]
type = "csv"
[adapters.csv_off]
type = "csv"
enabled = false
""")
    assert problems == {
        "orderchamp.token": problems["orderchamp.token"],
        "orderchamp.account_id": problems["orderchamp.account_id"],
        "sync.routing": problems["sync.routing"],
        "accounts.a.adapters.1": "no adapter instance 'ghost' (configured: csv_a, csv_b, csv_off)",
        "accounts.a.routing.0.adapter": "'csv_b' is not one of this account's adapters "
                                        "(csv_a, ghost)",
        "accounts.b.account_id": "'QWNjb3VudDox' is also the account id of accounts.a",
        "accounts.b.store_url": problems["accounts.b.store_url"],
        "accounts.b.adapters.0": problems["accounts.b.adapters.0"],
        "accounts.Bad_Name": problems["accounts.Bad_Name"],
        "accounts.Bad_Name.adapters": problems["accounts.Bad_Name.adapters"],
        "adapters.csv_b": problems["adapters.csv_b"],
    }
    assert "accounts.<name>.token" in problems["orderchamp.token"]
    assert "accounts.<name>.routing" in problems["sync.routing"]
    assert "also the ledger of accounts.a" in problems["accounts.b.store_url"]
    assert "already serves accounts.a" in problems["accounts.b.adapters.0"]
    assert "lowercase" in problems["accounts.Bad_Name"]
    assert "no account uses" in problems["adapters.csv_b"]


def test_account_keys_are_validated_like_their_orderchamp_counterparts(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """
[accounts.a]
account_id = ""
token = " "
api_url = "ftp://x"
bucket_size = 0
store_url = "mysql://x"
surprise = 1
""")
    assert set(problems) == {"accounts.a.account_id", "accounts.a.token", "accounts.a.api_url",
                             "accounts.a.bucket_size", "accounts.a.store_url",
                             "accounts.a.surprise"}
    assert problems["accounts.a.surprise"] == "unknown key"
    assert "***" in problems["accounts.a.token"]


def test_postgresql_ledgers_are_a_schema_per_account(tmp_path: Path) -> None:
    settings = _load(tmp_path, """
[store]
url = "postgresql://postgres@127.0.0.1/test?sslmode=disable&options=-cstatement_timeout%3D5000"
[accounts.shop-nl]
account_id = "QWNjb3VudDox"
adapters = ["csv"]
[adapters.csv]
""")
    assert account_store_url(settings, "shop-nl") == (
        "postgresql://postgres@127.0.0.1/test?sslmode=disable"
        "&options=-cstatement_timeout%3D5000%20-csearch_path%3Doc_shop_nl")
