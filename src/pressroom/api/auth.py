"""Write routes need an API key with the write scope; reads stay open.

The key comes as `Authorization: Bearer <token>`. A missing or unknown key is 401 with
WWW-Authenticate; a valid key without the scope is 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pressroom.access.keys import ApiKey, Scope, verify_token
from pressroom.api.deps import WriteConnection

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pressroom"'}


# Declared as a security scheme, so the OpenAPI document and /docs show how to authenticate.
bearer = HTTPBearer(auto_error=False, scheme_name="API key", description="`pressroom keys create`")


async def _writer_key(
    conn: WriteConnection,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None or not credentials.credentials.strip():
        raise HTTPException(401, "an API key is required: Authorization: Bearer <key>", CHALLENGE)
    key = await verify_token(conn, credentials.credentials.strip())
    if key is None:
        raise HTTPException(401, "the API key is unknown or revoked", CHALLENGE)
    if Scope.WRITE not in key.scopes:
        raise HTTPException(403, "this API key has no write scope")
    return key


WriterKey = Annotated[ApiKey, Depends(_writer_key)]
