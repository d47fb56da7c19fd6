"""The local instance's routes, one ``APIRouter`` per part of the API.

:data:`ROUTERS` is in the order the app matches them: ``/v1/users/api-tokens``
before ``/v1/users/{user_id}``, and first of all, as the hottest (each route
tried before the one that matches costs a few microseconds).
"""

from __future__ import annotations

from rime_tui.server.routes import auth, info, projects, tokens, users, workspaces

ROUTERS = [
    tokens.router,
    auth.router,
    info.router,
    users.router,
    workspaces.router,
    projects.router,
]
