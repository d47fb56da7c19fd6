"""Where rime-tui keeps its files."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "rime-tui"
DEFAULT_PORT = 8477
BOOTSTRAP_FILE = "bootstrap.json"
INSTANCE_ID_FILE = "instance-id"
DATABASE_FILE = "rime.db"
LOG_FILE = "server.log"


def default_data_dir() -> Path:
    """``$RIME_TUI_DATA_DIR``, else the platform's user data dir for rime-tui."""
    env = os.environ.get("RIME_TUI_DATA_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    """``$RIME_TUI_CONFIG_DIR/config.toml``, else in the platform's user config dir."""
    env = os.environ.get("RIME_TUI_CONFIG_DIR")
    base = Path(env).expanduser() if env else Path(platformdirs.user_config_dir(APP_NAME))
    return base / "config.toml"


def write_private(path: Path, text: str, *, overwrite: bool = True) -> None:
    """Write *text* to *path* with mode 0600, atomically; never readable by others.

    With ``overwrite=False`` an existing file is an error (FileExistsError).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
