"""The user's remembered choices, in a TOML file in the user config dir.

Only non-secret values live here: no password, API token or session is ever
written to this file.  This module is read before the first paint, so it uses
only the standard library (tomllib) to load; tomli_w is loaded to save.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from rime_tui.paths import config_file, toml_table, write_private


@dataclass
class Settings:
    """What rime-tui remembers between runs."""

    cluster_url: str | None = None
    """The last remote cluster signed in to; unset means the local instance."""

    email: str | None = None
    """The last email signed in with."""

    theme: str | None = None
    """The Textual theme last chosen in the command palette (unset: Textual's default)."""


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings; defaults for a missing, unreadable or odd file."""
    path = path or config_file()
    try:
        data = toml_table(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # (not UTF-8, or not TOML: both ValueErrors)
        return Settings()
    values = {
        key: value
        for key in ("cluster_url", "email", "theme")
        if isinstance(value := data.get(key), str) and value
    }
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    import tomli_w

    path = path or config_file()
    data = {key: value for key, value in asdict(settings).items() if value is not None}
    write_private(path, tomli_w.dumps(data))
