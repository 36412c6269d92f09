"""The least-privilege roles pressroom runs as.

Migrations run as the owner; ingestion and the write API as the writer; the read API as the
reader. Only `up` (creating the local cluster) ever connects as the superuser.
"""

from __future__ import annotations

from enum import Enum

DATABASE_NAME = "pressroom"
SCHEMA = "pressroom"
# The bootstrap superuser of the local cluster; never used by the running application.
ADMIN_ROLE = "pressroom_admin"


class Role(Enum):
    OWNER = "pressroom_owner"
    WRITER = "pressroom_writer"
    READER = "pressroom_reader"
