"""Settings: layered sources, every problem at once, and the example file covers every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from oc_bridge.errors import SettingsError
from oc_bridge.settings import AccountSettings, Settings, load_settings, parse_override

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "settings.example.toml"


def _field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if name == "adapters":
            continue  # adapter tables are validated by each adapter's own model
        if name == "accounts":  # one table per account: documented once, as [accounts.<x>]
            paths.extend(_field_paths(AccountSettings, f"{prefix}accounts.*."))
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(_field_paths(annotation, f"{prefix}{name}."))
        else:
            paths.append(f"{prefix}{name}")
    return paths


def _documented_keys(text: str) -> set[str]:
    """Keys assigned in the file, plus keys shown commented out (``# key = ...``) per table."""
    keys: set[str] = set()
    section = ""
    for line in text.splitlines():
        header = re.match(r"^#?\s*\[\[?([\w.]+)\]\]?\s*$", line)
        if header and (not line.startswith("#") or header.group(1).startswith("accounts.")):
            # [accounts.*] is shown commented out: the example is a one-account deployment
            section = re.sub(r"^accounts\.\w+", "accounts.*", header.group(1))
            continue
        assigned = re.match(r"^#?\s*(\w+)\s*=", line)
        if assigned and section:
            keys.add(f"{section}.{assigned.group(1)}")
    return keys


def test_example_file_validates() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.orderchamp.api_url.startswith("https://")
    assert "csv" in settings.adapters


def test_example_file_documents_every_setting() -> None:
    documented = _documented_keys(EXAMPLE.read_text(encoding="utf-8"))
    missing = [path for path in _field_paths(Settings) if path not in documented]
    assert not missing, f"settings.example.toml lacks: {missing}"


def test_every_example_key_has_a_comment_above_it() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\w+\s*=", line):
            above = lines[number - 1] if number else ""
            assert above.startswith("#") or re.match(r"^\w+\s*=", above), (
                f"line {number + 1} ({line!r}) has no comment"
            )


def test_environment_beats_file_and_override_beats_environment(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text('[orderchamp]\nread_timeout = 11\nconnect_timeout = 2\n', encoding="utf-8")
    environ = {
        "OC_BRIDGE_ORDERCHAMP__READ_TIMEOUT": "12",
        "OC_BRIDGE_ORDERCHAMP__CONNECT_TIMEOUT": "3",
    }
    settings = load_settings(
        config, overrides=parse_override("orderchamp.connect_timeout=4"), environ=environ
    )
    assert settings.orderchamp.read_timeout == 12
    assert settings.orderchamp.connect_timeout == 4


def test_config_env_var_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text('[sync]\noverlap_seconds = 7\n', encoding="utf-8")
    settings = load_settings(None, environ={"OC_BRIDGE_CONFIG": str(config)})
    assert settings.sync.overlap_seconds == 7


def test_every_problem_reported_at_once_with_key_paths(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[orderchamp]\napi_url = "ftp://x"\nbogus = 1\n[sync]\noverlap_seconds = -5\n'
        '[store]\nurl = "mysql://x"\n',
        encoding="utf-8",
    )
    with pytest.raises(SettingsError) as caught:
        load_settings(config, environ={})
    keys = {p.key for p in caught.value.problems}
    assert keys == {"orderchamp.api_url", "orderchamp.bogus", "sync.overlap_seconds", "store.url"}
    assert "unknown key" in str(caught.value)


def test_secrets_are_masked(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text('[orderchamp]\ntoken = "very-secret-token"\n', encoding="utf-8")
    settings = load_settings(config, environ={})
    assert "very-secret-token" not in repr(settings)
    assert "very-secret-token" not in str(settings.model_dump())
    assert settings.orderchamp.token is not None
    assert settings.orderchamp.token.get_secret_value() == "very-secret-token"


def test_settings_are_frozen() -> None:
    settings = load_settings(None, environ={})
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen
        settings.sync.overlap_seconds = 1  # type: ignore[misc]


def test_adapter_type_defaults_to_table_name(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text(
        '[adapters.csv]\noutbound_dir = "a"\n[adapters.csv_eu]\ntype = "csv"\n', encoding="utf-8"
    )
    settings = load_settings(config, environ={})
    assert settings.adapter_type("csv") == "csv"
    assert settings.adapter_type("csv_eu") == "csv"
    assert settings.adapters["csv"].options() == {"outbound_dir": "a"}


def test_missing_config_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_invalid_toml_is_a_settings_error(tmp_path: Path) -> None:
    config = tmp_path / "s.toml"
    config.write_text("[orderchamp\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config, environ={})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sync.overlap_seconds=60", {"sync": {"overlap_seconds": 60}}),
        ("orderchamp.api_url=http://x/y", {"orderchamp": {"api_url": "http://x/y"}}),
        ('logging.level="DEBUG"', {"logging": {"level": "DEBUG"}}),
        ("adapters.csv.enabled=false", {"adapters": {"csv": {"enabled": False}}}),
    ],
)
def test_parse_override(text: str, expected: dict[str, object]) -> None:
    assert parse_override(text) == expected


def test_example_is_valid_toml() -> None:
    tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OC_BRIDGE_SYNC__MAX_ATTEMPTS", "9")
    assert load_settings(None).sync.max_attempts == 9
    assert load_settings(None, environ={}).sync.max_attempts == 5


def test_adapter_keys_from_environment() -> None:
    settings = load_settings(None, environ={"OC_BRIDGE_ADAPTERS__CSV__OUTBOUND_DIR": "/x"})
    assert settings.adapters["csv"].options() == {"outbound_dir": "/x"}
