"""The official SDK, rime-sdk 2.13.2, unchanged, in a Python 3.10 virtual environment of its own.

rime-sdk 2.13.2 pins pandas<1.5, which has no wheels for Python 3.11+, so the
SDK cannot share the project's environment.  :func:`sdk_python` finds a Python
3.10 (pyenv's, or one on PATH), makes the environment once in the user cache
dir (``RIME_TUI_SDK_VENV`` overrides where) and returns its interpreter; later
runs reuse it.  Concurrent test runs on one machine serialise on a lock file,
and an environment is only used once it was completely built.
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import subprocess
import time
from pathlib import Path

import platformdirs

SDK_VERSION = "2.13.2"
INSTALL_TIMEOUT = 900  # seconds; a cold pip cache downloads pandas and numpy


class SdkUnavailable(Exception):
    """No Python 3.10, or the SDK would not install."""


def python310() -> Path | None:
    """A Python 3.10 interpreter: pyenv's (``pyenv prefix 3.10``, then a glob), or PATH's."""
    candidates: list[str] = []
    roots = [os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")]
    if shutil.which("pyenv"):
        prefix = _output(["pyenv", "prefix", "3.10"])
        candidates += [f"{prefix}/bin/python3.10"] if prefix else []
        roots.insert(0, _output(["pyenv", "root"]))
    for root in filter(None, roots):
        candidates += sorted(glob.glob(f"{root}/versions/3.10*/bin/python3.10"), reverse=True)
    candidates += filter(None, [shutil.which("python3.10")])
    for candidate in candidates:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def _output(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def venv_dir() -> Path:
    override = os.environ.get("RIME_TUI_SDK_VENV")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("rime-tui")) / f"rime-sdk-{SDK_VERSION}-py310"


def sdk_python() -> tuple[Path, float | None]:
    """The interpreter of the SDK's environment, and the seconds it took to build (None: cached).

    Raises :class:`SdkUnavailable` with the reason when it cannot be had.
    """
    venv = venv_dir()
    python = venv / "bin" / "python"
    ready = venv / "rime-sdk-ready"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return python, None
        base = python310()
        if base is None:
            raise SdkUnavailable("no Python 3.10 (pyenv or python3.10 on PATH)")
        shutil.rmtree(venv, ignore_errors=True)  # a build that was interrupted
        started = time.monotonic()
        for args in (
            [str(base), "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "-q", f"rime-sdk=={SDK_VERSION}"],
        ):
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
            if done.returncode != 0:
                raise SdkUnavailable(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        ready.write_text(SDK_VERSION + "\n")
        return python, time.monotonic() - started
