"""Signed, expiring links to renditions, for platforms that fetch the video themselves.

Instagram does not take an upload: it is given a URL and downloads the video from there. The
URL is `<SHORTOPS_PUBLIC_URL>/media/links/<token>`, where the token names one rendition and the
time it was issued, signed with a key derived from the secret key. Anyone holding the link can
download that one file until it expires (a day by default: Instagram's containers live 24 h);
nothing else is reachable through it, and no session is needed, because the platform has none.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.errors import N_, NotFound
from shortops.media.store import MediaStore
from shortops.models import Rendition, RenditionStatus

LINK_TTL_S = 24 * 3600
_SALT = "shortops.media-link"
# Before a rendition exists the link's address is known but not its token: validation of a
# planned post only needs the scheme and host (Instagram wants public HTTPS).
PENDING_TOKEN = "pending"

router = APIRouter()


class LinkExpired(NotFound):
    code = "media_link_expired"
    template = N_("This media link has expired or is not valid.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key(), salt=_SALT)


def link_base() -> str:
    return f"{get_settings().resolved_public_url}/media/links"


def rendition_link(rendition_id: int) -> str:
    """A link that serves rendition `rendition_id` for LINK_TTL_S from now."""
    return f"{link_base()}/{_serializer().dumps({'rendition': rendition_id})}"


def pending_link() -> str:
    return f"{link_base()}/{PENDING_TOKEN}"


def rendition_of(token: str, *, max_age_s: int = LINK_TTL_S) -> int:
    """The rendition a token names; LinkExpired when it is forged, altered or too old."""
    try:
        data = _serializer().loads(token, max_age=max_age_s)
    except (SignatureExpired, BadSignature):
        raise LinkExpired() from None
    if not isinstance(data, dict) or not isinstance(data.get("rendition"), int):
        raise LinkExpired()
    return int(data["rendition"])


@router.get("/media/links/{token}", include_in_schema=False)
def serve_link(token: str) -> FileResponse:
    rendition_id = rendition_of(token)
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    with session_scope(settings) as session:
        rendition = session.get(Rendition, rendition_id)
        if (
            rendition is None
            or rendition.status != RenditionStatus.ready
            or not rendition.output_path
            or not store.exists(rendition.output_path)
        ):
            raise LinkExpired()
        path = store.path(rendition.output_path)
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "no-store"})
