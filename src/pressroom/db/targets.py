"""Where each role connects: the local stack's cluster, or an external DATABASE_URL."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from pressroom.config import Settings
from pressroom.db.roles import ADMIN_ROLE, DATABASE_NAME, Role
from pressroom.errors import StackError
from pressroom.local.layout import Layout
from pressroom.local.secrets import StackSecrets, read_secrets
from pressroom.local.state import read_state


@dataclass(frozen=True, slots=True)
class DatabaseTargets:
    """libpq URLs, understood alike by psycopg and asyncpg."""

    owner: str
    writer: str
    reader: str
    admin: str | None  # the superuser, local stack only: creates roles and extensions

    def for_role(self, role: Role) -> str:
        return {Role.OWNER: self.owner, Role.WRITER: self.writer, Role.READER: self.reader}[role]


def local_url(
    layout: Layout, port: int, user: str, password: str, dbname: str = DATABASE_NAME
) -> str:
    # The Unix socket skips TCP and its checksums: measurably faster for a local API.
    query = urlencode({"host": str(layout.pg_socket_dir), "port": str(port)})
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@/{dbname}?{query}"


def local_targets(layout: Layout, port: int, secrets: StackSecrets) -> DatabaseTargets:
    return DatabaseTargets(
        owner=local_url(layout, port, Role.OWNER.value, secrets.owner_password),
        writer=local_url(layout, port, Role.WRITER.value, secrets.writer_password),
        reader=local_url(layout, port, Role.READER.value, secrets.reader_password),
        admin=local_url(layout, port, ADMIN_ROLE, secrets.admin_password),
    )


def resolve_targets(settings: Settings) -> DatabaseTargets:
    """The connection URLs to use now, from DATABASE_URL or the running local stack."""
    if settings.database_url is not None:
        url = settings.database_url.get_secret_value()
        return DatabaseTargets(owner=url, writer=url, reader=url, admin=None)
    layout = Layout(settings.data_dir)
    port = read_state(layout.state_file).pg_port
    if port is None:
        raise StackError(
            f"no local stack in {layout.root}: run `pressroom up`, or set DATABASE_URL to use "
            "an external PostgreSQL"
        )
    return local_targets(layout, port, read_secrets(layout.secrets_file))
