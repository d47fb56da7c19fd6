"""The user's remembered choices, in a TOML file in the user config dir.

Only non-secret values live here: no password, API token or session is ever
written to this file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w
from pydantic import BaseModel, ConfigDict, ValidationError

from rime_tui.paths import config_file, write_private


class Settings(BaseModel):
    """What rime-tui remembers between runs."""

    model_config = ConfigDict(extra="ignore")

    cluster_url: str | None = None
    """The last remote cluster signed in to; unset means the local instance."""

    email: str | None = None
    """The last email signed in with."""


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings; defaults when the file is missing or unreadable."""
    path = path or config_file()
    try:
        return Settings.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError, UnicodeDecodeError):
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    path = path or config_file()
    data = settings.model_dump(exclude_none=True)
    write_private(path, tomli_w.dumps(data))
