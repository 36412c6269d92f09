"""Settings come from the environment, a TOML file and defaults; bad ones are named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pressroom.cli.common import describe_validation_error
from pressroom.config import Settings, load_settings
from pressroom.config_docs import settings_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_environment_wins_over_file_over_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "custom.toml"
    config.write_text('api_port = 9000\nlog_level = "debug"\n')
    monkeypatch.setenv("PRESSROOM_CONFIG_FILE", str(config))
    monkeypatch.setenv("PRESSROOM_API_PORT", "9100")
    settings = load_settings()
    assert settings.api_port == 9100
    assert settings.log_level == "debug"
    assert settings.pg_port == Settings.model_fields["pg_port"].default


def test_database_url_is_read_from_the_conventional_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal/news")
    settings = load_settings()
    assert settings.uses_external_database
    assert "p@" not in repr(settings)  # secrets stay hidden


def test_invalid_settings_name_the_setting_and_the_accepted_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRESSROOM_LOG_LEVEL", "loud")
    monkeypatch.setenv("PRESSROOM_PG_PORT", "80")
    with pytest.raises(ValidationError) as caught:
        load_settings()
    message = describe_validation_error(caught.value)
    assert "invalid setting PRESSROOM_LOG_LEVEL" in message
    assert "'debug', 'info', 'warning' or 'error'" in message
    assert "invalid setting PRESSROOM_PG_PORT" in message
    assert "greater than or equal to 1024" in message


def test_unknown_names_in_the_file_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "pressroom.toml"
    config.write_text("api_prot = 9000\n")
    monkeypatch.setenv("PRESSROOM_CONFIG_FILE", str(config))
    with pytest.raises(ValidationError, match="api_prot"):
        load_settings()


def test_a_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PRESSROOM_CONFIG_FILE", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        load_settings()


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert documented == settings_markdown(), (
        "run: pressroom config --markdown > docs/configuration.md"
    )
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
