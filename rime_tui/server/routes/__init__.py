"""The local instance's routes, one ``APIRouter`` per part of the API.

:data:`ROUTERS` is in the order the app matches them: ``/v1/users/api-tokens``
before ``/v1/users/{user_id}``.
"""

from __future__ import annotations

from rime_tui.server.routes import auth, info, projects, tokens, users, workspaces

ROUTERS = [
    auth.router,
    info.router,
    tokens.router,
    users.router,
    workspaces.router,
    projects.router,
]
