"""The local instance's own endpoints: its proof, and email & password sessions."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from rime_tui.proof import proof, valid_challenge
from rime_tui.server import security
from rime_tui.server.deps import AppContext, Caller
from rime_tui.server.errors import ServiceError, denied, invalid, unauthenticated
from rime_tui.server.validation import MAX_EMAIL_LENGTH, normalize_email
from rime_tui.wire import models as m
from rime_tui.wire.constants import CHALLENGE_HEADER, PROOF_HEADER

SESSION_HOURS = 12

router = APIRouter(tags=["local"])


@router.get("/healthz")
async def healthz(request: Request, context: AppContext) -> JSONResponse:
    """``ok``; with a challenge header, also this instance's proof (rime_tui.proof)."""
    headers = {}
    challenge = request.headers.get(CHALLENGE_HEADER, "")
    server = request.scope.get("server")
    if context.instance_key and server and valid_challenge(challenge):
        headers[PROOF_HEADER] = proof(context.instance_key, challenge, server[0], server[1])
    return JSONResponse({"status": "ok"}, headers=headers)


@router.post("/v1/auth/login", response_model_exclude_none=True)
async def login(request: Request, req: m.LoginRequest, context: AppContext) -> m.LoginResponse:
    email = normalize_email(req.email)
    if not email or len(email) > MAX_EMAIL_LENGTH:
        raise invalid("Enter the email address of your account.")
    store, throttle = context.store, context.throttle_for(request.scope)
    found = store.password_hash_for(email)
    address = request.client.host if request.client else ""
    attempt = throttle.begin(email, address, found[1] if found else "")
    stored = found[1] if found else security.dummy_password_hash()
    try:
        ok = await context.passwords.run(security.verify_password, req.password, stored)
    except ServiceError:  # too busy to check: not a failed guess
        throttle.succeeded(attempt)
        raise
    if found is None or not ok:
        raise unauthenticated("Wrong email or password.")
    throttle.succeeded(attempt)
    user_id = found[0]
    secret = security.new_session_token()
    expires = store.clock() + timedelta(hours=SESSION_HOURS)
    store.add_session(security.digest(secret), user_id, expires)
    user = store.get_user(user_id)
    if user is None:  # cannot be: its password hash was just read
        raise unauthenticated("Wrong email or password.")
    return m.LoginResponse(session_token=secret, expiration_time=expires, user=user)


@router.post("/v1/auth/logout")
async def logout(who: Caller, context: AppContext) -> m.Empty:
    if who.session_digest is not None:
        context.store.end_session(who.session_digest)
    return m.Empty()


@router.post("/v1/auth/logout-all")
async def logout_all(who: Caller, context: AppContext) -> m.Empty:
    """End every password session of the caller's user, this one included."""
    if who.session_digest is None:
        raise denied("Ending all sessions needs a password session, not an API token.")
    context.store.end_all_sessions(who.user_id)
    return m.Empty()
