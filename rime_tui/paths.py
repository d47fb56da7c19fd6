"""Where rime-tui keeps its files."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "rime-tui"
DEFAULT_PORT = 8477
BOOTSTRAP_FILE = "bootstrap.json"
INSTANCE_KEY_FILE = "instance-key"
SOCKET_FILE = "instance.sock"  # the owner's private line to the instance (mode 0600)
DATABASE_FILE = "rime.db"
LOG_FILE = "server.log"


def platform_data_dir() -> Path:
    """The platform's user data dir for rime-tui."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_data_dir() -> Path:
    """``$RIME_TUI_DATA_DIR``, else the platform's user data dir for rime-tui."""
    env = os.environ.get("RIME_TUI_DATA_DIR")
    return Path(env).expanduser() if env else platform_data_dir()


def config_dir() -> Path:
    """``$RIME_TUI_CONFIG_DIR``, else the platform's user config dir for rime-tui."""
    env = os.environ.get("RIME_TUI_CONFIG_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_config_dir(APP_NAME))


def config_file() -> Path:
    """``config.toml`` in :func:`config_dir`."""
    return config_dir() / "config.toml"


def toml_table(text: str) -> dict[str, Any]:
    """*text* (a config file's) as TOML; a ValueError when it is not TOML, or is nested
    too deeply to parse (tomllib recurses into nested arrays). tomllib is loaded only
    here, when there is a file to read: a first start has none (9 M instructions the
    first paint skips)."""
    import tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def write_private(path: Path, text: str, *, overwrite: bool = True) -> None:
    """Write *text* to *path* with mode 0600, atomically; never readable by others.

    With ``overwrite=False`` an existing file is an error (FileExistsError).
    Files are created with O_EXCL|O_NOFOLLOW: never through a planted file or
    symlink; the temporary file of an overwrite has a random name.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path if not overwrite else path.with_name(f".{path.name}.{os.urandom(8).hex()}.tmp")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(target, path)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


class DataDirError(Exception):
    """A data dir that cannot be created."""


def create_data_dir(path: Path) -> None:
    """Create *path* (0700) unless it exists; DataDirError says why it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        why = (exc.strerror or str(exc)).lower()
        raise DataDirError(
            f"cannot create the data dir {path} ({why}). Use a directory you can write "
            "to: --data-dir DIR or RIME_TUI_DATA_DIR."
        ) from None
    if not path.is_dir():
        raise DataDirError(f"the data dir {path} is not a directory; use --data-dir DIR.")


class UnsafeDataDirError(Exception):
    """A data dir that other users could tamper with."""


def secure_data_dir(path: Path) -> str | None:
    """Create *path* (0700) or check an existing one; a warning when it was tightened.

    A data dir owned by someone else, or one that other users can write to
    (they could have planted a key, a database or symlinks in it), is refused
    with UnsafeDataDirError; one they can only read or enter is made 0700.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDataDirError(f"the data dir {path} is not a directory.")
    if info.st_uid != os.getuid():
        raise UnsafeDataDirError(
            f"the data dir {path} belongs to another user (uid {info.st_uid}); "
            "use a data dir of your own (--data-dir)."
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise UnsafeDataDirError(
            f"the data dir {path} is writable by other users (mode {mode:04o}), who may "
            "have changed its files. Check its contents, then run: chmod 700 "
            f"{path} (or use another --data-dir)."
        )
    if mode & 0o077:
        os.chmod(path, 0o700)
        return (
            f"warning: the data dir {path} was open to other users (mode {mode:04o}); "
            "it is now 0700."
        )
    return None
