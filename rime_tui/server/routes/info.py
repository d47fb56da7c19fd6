"""What a cluster tells about itself: its version and license limits (fixed values
for the local instance)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from rime_tui import __version__
from rime_tui.server.deps import AppStore, Caller
from rime_tui.server.errors import invalid, not_found
from rime_tui.server.store import CUSTOMER_NAME, Store
from rime_tui.wire import models as m

LICENSE_DAYS = 3650
GRACE_DAYS = 30
MAX_WORKSPACES = 10_000
UNLIMITED = 1_000_000

router = APIRouter(tags=["cluster"])


def rime_info(store: Store) -> m.RimeInfo:
    created = store.created_at()
    return m.RimeInfo(
        cluster_info_version="2.13.2",
        customer_name=CUSTOMER_NAME,
        expiration_time=created + timedelta(days=LICENSE_DAYS),
        grace_period_end_time=created + timedelta(days=LICENSE_DAYS + GRACE_DAYS),
        ri_plan="RI_PLAN_LOCAL_TRIAL",
        build_version=f"rime-tui-local/{__version__}",
    )


@router.get("/v1/rime-info", name="rime_info", response_model_exclude_none=True)
async def get_rime_info(_: Caller, store: AppStore) -> m.RimeInfo:
    return rime_info(store)


@router.get("/v1/feature-flags/{customer_name}/limits/{limit}")
async def license_limit(
    _: Caller, store: AppStore, customer_name: str, limit: str
) -> m.GetLimitStatusResponse:
    if customer_name != CUSTOMER_NAME:
        raise not_found(f"No customer named {customer_name!r}; this instance's is 'local'.")
    now = store.clock()
    if limit == "LICENSE_LIMIT_EXPIRATION":
        expires = store.created_at() + timedelta(days=LICENSE_DAYS)  # as rime_info says
        value, current = int(expires.timestamp()), int(now.timestamp())
    elif limit == "LICENSE_LIMIT_WORKSPACES":
        value, current = MAX_WORKSPACES, store.workspace_count()
    elif limit in (
        "LICENSE_LIMIT_STRESS_TEST_RUNS",
        "LICENSE_LIMIT_FIREWALL",
        "LICENSE_LIMIT_FIREWALL_REQUESTS",
    ):
        value, current = UNLIMITED, 0
    else:
        raise invalid(f"Unknown license limit {limit[:80]!r}; use e.g. LICENSE_LIMIT_EXPIRATION.")
    return m.GetLimitStatusResponse(
        limit_status=m.LimitStatus(
            limit=limit,
            limit_status="STATUS_OK" if current < value else "STATUS_ERROR",
            limit_value=str(value),
            current_value=str(current),
        )
    )
