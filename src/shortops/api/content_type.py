"""JSON routes take JSON: a body of another type is answered 415, not a puzzling 422.

`curl -d '{…}'` sends `application/x-www-form-urlencoded`; the answer then says which header to
send. Routes that take forms or files (export imports) and the raw upload chunks are left alone.
"""

from __future__ import annotations

from fastapi import Request
from fastapi import params as fastapi_params

from shortops.errors import N_, ShortopsError

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class UnsupportedMediaType(ShortopsError):
    status = 415
    code = "unsupported_media_type"
    template = N_(
        "This address takes JSON, but the body came as “{content_type}”. Send it with the "
        "header Content-Type: application/json."
    )


class MissingContentType(UnsupportedMediaType):
    template = N_(
        "This address takes JSON, but the body came without a type. Send it with the header "
        "Content-Type: application/json."
    )


def json_bodies_only(request: Request) -> None:
    """Dependency of the API router: refuse a non-JSON body on a route that reads JSON."""
    if request.method not in _WITH_BODY or not _has_body(request):
        return
    dependant = getattr(request.scope.get("route"), "dependant", None)
    body_params = getattr(dependant, "body_params", None)
    if not body_params:
        return  # reads the raw body itself (upload chunks) or takes none
    if any(isinstance(p.field_info, fastapi_params.Form) for p in body_params):
        return  # File is a kind of Form: forms and files come as multipart
    content_type = request.headers.get("content-type", "")
    if not content_type:
        raise MissingContentType()  # FastAPI would not read it as JSON either
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return
    raise UnsupportedMediaType(content_type=content_type[:100])


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length != "0") or "transfer-encoding" in request.headers
