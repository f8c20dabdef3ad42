"""Request dependencies: database session, who is acting, and the one place roles are checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from shortops.errors import (
    N_,
    CsrfFailed,
    MissingScope,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    SessionExpired,
)
from shortops.models import User
from shortops.web.pages import CSRF_HEADER, csrf_matches
from shortops.workspaces import service, web_sessions
from shortops.workspaces.permissions import Permission, scope_for
from shortops.workspaces.service import Actor

SESSION_COOKIE = "shortops_session"


def db_session(request: Request) -> Iterator[Session]:
    """One session per request, committed when the endpoint returns without raising."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so a redirect never outruns its data.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def authorize(actor: Actor, permission: Permission) -> Actor:
    """Refuse unless the actor's role (and token scopes, for API tokens) allow `permission`."""
    if actor.token is not None and scope_for(permission).value not in actor.scopes:
        raise MissingScope(scope=scope_for(permission).value)
    if not actor.can(permission):
        raise PermissionDenied()
    return actor


# --- API: bearer tokens, or the browser's session from /docs -------------------------------------

# In the OpenAPI document as the "bearer" security scheme, so /docs offers Authorize. It does not
# refuse by itself: a request without a token may still come from a signed-in browser.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An API token: Settings → API tokens, or `shortops tokens create`.",
)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer_secret(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated(N_("Send an API token as “Authorization: Bearer <token>”."))
    return secret.strip()


def api_token_actor(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
) -> Actor:
    """Who calls the API: the bearer token's user, else the signed-in browser (as on /docs)."""
    if "authorization" not in request.headers:
        browser = _session_api_actor(request, session)
        if browser is not None:
            return browser
    resolved = service.resolve_token(session, secret=_bearer_secret(request))
    if resolved is None:
        raise NotAuthenticated(N_("The API token is unknown, revoked or expired."))
    token, user, membership = resolved
    workspace = service.get_workspace_for_user_or_raise(
        session, user=user, workspace_id=token.workspace_id
    )[0]
    return Actor(
        user=user,
        workspace=workspace,
        role=membership.role,
        token=token,
        scopes=frozenset(token.scopes),
        ip=client_ip(request),
    )


def _session_api_actor(request: Request, session: Session) -> Actor | None:
    """The signed-in browser's user, in the workspace the path names (else their current one).

    A browser sends its cookie on its own, so a change it asks for must also carry the page's
    CSRF token in X-CSRF-Token (the /docs page adds it to every request).
    """
    try:
        user = web_user_or_none(request, session)
    except SessionExpired:
        return None
    if user is None:
        return None
    if request.method not in _SAFE_METHODS and not csrf_matches(
        request, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfFailed()
    workspaces = service.list_workspaces_for_user(session, user=user)
    wanted = request.path_params.get("workspace_id") or request.session.get("ws")
    chosen = next((row for row in workspaces if str(row[0].id) == str(wanted)), None)
    if chosen is None and workspaces:
        chosen = workspaces[0]
    if chosen is None:
        raise NotFound(N_("You are not a member of any workspace. Ask an owner to add you."))
    return Actor(user=user, workspace=chosen[0], role=chosen[1], ip=client_ip(request))


def api_actor(permission: Permission) -> Callable[..., Actor]:
    """Dependency for /api/v1/workspaces/{workspace_id}/… routes needing `permission`."""

    def dependency(workspace_id: int, actor: Annotated[Actor, Depends(api_token_actor)]) -> Actor:
        # A token works only in its own workspace; any other id looks like it does not exist.
        if workspace_id != actor.workspace.id:
            raise NotFound(N_("No workspace with id {id} is yours."), id=workspace_id)
        return authorize(actor, permission)

    return dependency


# --- web: signed session cookie -------------------------------------------------------------------


def web_user_or_none(request: Request, session: DbSession) -> User | None:
    """The signed-in user, None for visitors; SessionExpired when an old session comes back."""
    data = request.session
    user_id = data.get("uid")
    if user_id is None:
        if SESSION_COOKIE in request.cookies and not data:
            # A cookie came but the middleware dropped it (signature too old): it expired.
            raise SessionExpired()
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active or data.get("sv") != user.session_version:
        request.session.clear()
        raise SessionExpired()
    # The cookie is signed but a copy would outlive sign-out: the server must still hold it,
    # and its row carries the session's age.
    max_age = request.app.state.settings.session_max_age
    live = web_sessions.find(session, secret=data.get("sid", ""), user_id=user.id, max_age=max_age)
    if live is None:
        request.session.clear()
        raise SessionExpired()
    return user


def web_user(user: Annotated[User | None, Depends(web_user_or_none)]) -> User:
    if user is None:
        raise NotAuthenticated()
    return user


def web_actor_any(
    request: Request, session: DbSession, user: Annotated[User, Depends(web_user)]
) -> Actor:
    """The signed-in user in their current workspace (the first one when none is chosen)."""
    workspaces = service.list_workspaces_for_user(session, user=user)
    if not workspaces:
        raise NotFound(N_("You are not a member of any workspace. Ask an owner to add you."))
    wanted = request.session.get("ws")
    chosen = next((row for row in workspaces if row[0].id == wanted), workspaces[0])
    request.session["ws"] = chosen[0].id
    request.state.workspaces = workspaces
    return Actor(user=user, workspace=chosen[0], role=chosen[1], ip=client_ip(request))


def web_actor(permission: Permission) -> Callable[..., Actor]:
    """Dependency for pages needing `permission` in the current workspace."""

    def dependency(actor: Annotated[Actor, Depends(web_actor_any)]) -> Actor:
        return authorize(actor, permission)

    return dependency
