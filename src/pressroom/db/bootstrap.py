"""Creating the roles, the database and the superuser-only extensions of the local cluster.

This is the only code that connects as a superuser, and only `up` runs it. An external
database is expected to be prepared by its administrator (see docs/operations.md).
"""

from __future__ import annotations

from psycopg import sql

from pressroom.db.connect import connect_sync
from pressroom.db.roles import DATABASE_NAME, Role
from pressroom.db.scram import scram_verifier
from pressroom.local.secrets import StackSecrets

# Extensions that only a superuser may create; pg_trgm and the like are trusted and are created
# by the owner's migrations, so they work on managed PostgreSQL too.
SUPERUSER_EXTENSIONS = ("pg_stat_statements",)


def _role_passwords(secrets: StackSecrets) -> dict[Role, str]:
    return {
        Role.OWNER: secrets.owner_password,
        Role.WRITER: secrets.writer_password,
        Role.READER: secrets.reader_password,
    }


def bootstrap_database(
    maintenance_url: str,
    database_url: str,
    secrets: StackSecrets,
    timeout_s: float,
    *,
    hypopg: bool,
) -> None:
    """Idempotently create the roles, the database and the extensions; reset role passwords.

    maintenance_url reaches the `postgres` database and database_url pressroom's, both as the
    superuser.
    """
    with connect_sync(maintenance_url, timeout_s) as conn:
        # Role statements below carry password verifiers; keep even those out of the statistics.
        conn.execute("SET pg_stat_statements.track_utility = off")
        for role, password in _role_passwords(secrets).items():
            exists = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", [role.value]
            ).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sql.SQL(
                    verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}"
                ).format(sql.Identifier(role.value), sql.Literal(scram_verifier(password)))
            )
        # Defence in depth: even a bug in the read API cannot write through the reader role.
        conn.execute(
            sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(
                sql.Identifier(Role.READER.value)
            )
        )
        # Query statistics and activity of every role, for `pressroom doctor`.
        conn.execute(sql.SQL("GRANT pg_monitor TO {}").format(sql.Identifier(Role.OWNER.value)))
        has_db = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not has_db:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(DATABASE_NAME), sql.Identifier(Role.OWNER.value)
                )
            )
        conn.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(DATABASE_NAME))
        )
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}, {}").format(
                sql.Identifier(DATABASE_NAME),
                sql.Identifier(Role.WRITER.value),
                sql.Identifier(Role.READER.value),
            )
        )
    with connect_sync(database_url, timeout_s) as conn:
        extensions = (*SUPERUSER_EXTENSIONS, "hypopg") if hypopg else SUPERUSER_EXTENSIONS
        for extension in extensions:
            conn.execute(
                sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension))
            )
