"""A listed token and the workspace it was listed in: what the token lists of the
commands and the TUI are made of (:mod:`rime_tui.api.tokens` lists them; a one-shot
``token list`` needs this without the event loop that module brings)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rime_tui.wire import models as m


@dataclass(frozen=True)
class Listed:
    """A token and the workspace it was listed in."""

    token: m.ApiTokenInfo
    workspace: m.Workspace

    @property
    def id(self) -> str:
        return self.token.id.uuid

    def expired(self, now: datetime) -> bool:
        expires = self.token.expiration_time
        return expires is not None and expires <= now

    def expires_within(self, now: datetime, horizon: datetime) -> bool:
        expires = self.token.expiration_time
        return expires is not None and now < expires <= horizon
