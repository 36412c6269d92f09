"""The one typed settings object.

Every setting is read from, in order of precedence: the environment (``PRESSROOM_*``, plus the
conventional ``DATABASE_URL`` and ``REDIS_URL``), then an optional TOML file (``pressroom.toml`` in
the working directory, or the path in ``PRESSROOM_CONFIG_FILE``), then the default written here.
``docs/configuration.md`` is generated from this class (``pressroom config --markdown``) and a test
keeps the two in step, so a setting cannot exist without its documentation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_FILE_ENV = "PRESSROOM_CONFIG_FILE"
DEFAULT_CONFIG_FILE = "pressroom.toml"

Port = int


def _config_file() -> Path | None:
    explicit = os.environ.get(CONFIG_FILE_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"{CONFIG_FILE_ENV} points at {path}, which is not a file")
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


class Settings(BaseSettings):
    """pressroom's settings. Field descriptions are the user documentation."""

    model_config = SettingsConfigDict(
        env_prefix="PRESSROOM_",
        extra="forbid",
        validate_default=True,
        frozen=True,
    )

    # -- the local stack -------------------------------------------------------------------------
    data_dir: Path = Field(
        default=Path(".pressroom"),
        description="Folder that holds the local stack: PostgreSQL cluster, Redis data, WAL "
        "archive, generated passwords, logs. Relative paths are resolved against the working "
        "directory.",
    )
    pg_port: Port = Field(
        default=54329,
        ge=1024,
        le=65535,
        description="Port the local PostgreSQL listens on (127.0.0.1 only). If it is taken, `up` "
        "picks a free one and records it in the data folder.",
    )
    redis_port: Port = Field(
        default=63799,
        ge=1024,
        le=65535,
        description="Port the local Redis listens on (127.0.0.1 only); a taken port is replaced "
        "by a free one, as for PostgreSQL.",
    )
    pg_bin_dir: Path | None = Field(
        default=None,
        description="Folder with the PostgreSQL server binaries (initdb, pg_ctl, postgres). "
        "Unset: found through pg_config or /usr/lib/postgresql/<newest>/bin.",
    )
    pg_memory_budget_mb: int | None = Field(
        default=None,
        ge=128,
        description="Memory the local PostgreSQL is tuned for, in MB. Unset: all the memory of "
        "the machine (or its cgroup limit).",
    )
    pg_max_connections: int = Field(
        default=100,
        ge=10,
        le=5000,
        description="max_connections of the local PostgreSQL; the API uses pools, so keep it low.",
    )
    wal_archive: bool = Field(
        default=True,
        description="Archive WAL segments into <data_dir>/wal-archive so that base backups and "
        "point-in-time recovery work from the first day.",
    )
    service_user: str = Field(
        default="postgres",
        description="When pressroom runs as root, the operating-system user that owns and runs "
        "the local PostgreSQL (PostgreSQL refuses to run as root).",
    )
    install_missing_packages: bool = Field(
        default=True,
        description="When running as root and PostgreSQL or Redis binaries are missing, install "
        "them with apt-get. Off, or not root: stop with a message naming the packages.",
    )

    # -- external services -------------------------------------------------------------------------
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PRESSROOM_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="An external PostgreSQL (13+) to use instead of the local cluster, as a "
        "libpq URL. Set, pressroom manages no PostgreSQL process and only migrates. Also read "
        "from DATABASE_URL.",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("PRESSROOM_REDIS_URL", "REDIS_URL", "redis_url"),
        description="An external Redis to use instead of the local one. Also read from REDIS_URL.",
    )
    connect_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds to wait for a database connection before giving up with an error.",
    )

    # -- the API -------------------------------------------------------------------------------------
    api_host: str = Field(
        default="127.0.0.1",
        description="Address the HTTP API binds to.",
    )
    api_port: Port = Field(
        default=8480,
        ge=1,
        le=65535,
        description="Port the HTTP API listens on; `up` picks a free one if it is taken.",
    )
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes of the HTTP API server.",
    )
    pool_min_size: int = Field(
        default=2, ge=0, le=1000, description="Connections each API worker keeps open."
    )
    pool_max_size: int = Field(
        default=10, ge=1, le=1000, description="Most connections one API worker opens."
    )
    sequencer_poll_ms: float = Field(
        default=10.0,
        gt=0,
        le=10_000,
        description="How often the feed's sequencer looks for newly committed events: the "
        "floor of the delay before a follower sees an event.",
    )
    write_pool_max_size: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="Most connections one API worker opens for writes (as the writer role).",
    )
    pool_acquire_timeout_s: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Seconds a request waits for a pool connection before it is answered 503 "
        "with Retry-After.",
    )
    pool_command_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds one API query may run before it is cancelled.",
    )
    pool_max_inactive_lifetime_s: float = Field(
        default=300.0,
        ge=0,
        description="Seconds an idle pooled connection lives before it is closed (0: forever).",
    )
    pool_statement_cache_size: int = Field(
        default=1024,
        ge=0,
        description="Prepared statements each pooled connection keeps (0 behind PgBouncer in "
        "transaction mode).",
    )
    pool_leak_threshold_s: float = Field(
        default=5.0,
        gt=0,
        description="A connection held longer than this is reported, with the route holding it.",
    )
    slow_query_ms: float = Field(
        default=200.0, ge=0, description="Queries slower than this are logged with their route."
    )

    # -- the sample corpus ---------------------------------------------------------------------------
    sample_articles: int = Field(
        default=20_000,
        ge=0,
        description="Articles of the synthetic corpus that `up` loads into an empty database.",
    )
    sample_sites: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Site domains the synthetic corpus spreads its articles over.",
    )
    sample_seed: int = Field(
        default=0,
        description="Seed of the synthetic corpus; the same seed always gives the same corpus.",
    )

    # -- search ----------------------------------------------------------------------------------------
    search_half_life_days: float = Field(
        default=7.0,
        gt=0,
        le=3650,
        description=(
            "Days after which an article's search score is halved by age (docs/search.md): "
            "shorter favours the newest articles, longer favours relevance."
        ),
    )

    # -- operations insight ----------------------------------------------------------------------
    dashboard_host: str = Field(
        default="127.0.0.1",
        description="Address the operations dashboard binds to. It shows query text and can "
        "cancel backends, so it stays on loopback unless you set this (admin key or not).",
    )
    dashboard_port: Port = Field(
        default=8481,
        ge=1,
        le=65535,
        description="Port of the operations dashboard (`/dashboard`); `up` picks a free one if "
        "it is taken.",
    )
    insights_snapshot_interval_s: float = Field(
        default=300.0,
        ge=10,
        le=86_400,
        description="How often the dashboard server records query statistics and sizes, so any "
        "time window shows deltas and growth (`pressroom doctor snapshot` records one by hand).",
    )
    insights_retention_days: float = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="Days of snapshots kept; older ones are deleted when a new one is taken.",
    )

    # -- logging ---------------------------------------------------------------------------------------
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="Least severe log level written.",
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file()
        if config_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def uses_external_database(self) -> bool:
        return self.database_url is not None


def load_settings(**overrides: object) -> Settings:
    """Build the settings; keyword overrides win over every other source (used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
