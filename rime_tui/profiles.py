"""Stored credentials: named profiles, each a cluster URL and an API token.

``rime-tui auth login`` stores a profile; the commands (``--profile NAME``,
``RIME_PROFILE``, else the profile named ``default`` when there is one) and
the TUI (``--profile NAME``, or its sign-in screen) use it. The tokens are
secrets: they live in ``profiles.toml`` in the config dir, mode 0600 in a 0700
dir, written atomically, and never in ``config.toml``. A profile's token is
only ever sent to its own cluster.

Standard library only to read (tomllib), like :mod:`rime_tui.config`: the CLI
and the TUI's first paint read this file; neither httpx nor textual is loaded.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rime_tui.address import cluster_url
from rime_tui.paths import config_dir, write_private

DEFAULT = "default"
"""The profile the commands use when none is named."""
PROFILES_FILE = "profiles.toml"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Profile:
    """A cluster and the API token to reach it with."""

    name: str
    cluster_url: str
    token: str

    @property
    def suffix(self) -> str:
        """The token's last characters, as a token listing shows them."""
        return self.token[-4:]


class ProfileError(Exception):
    """The profile file cannot be read or written; the message says why."""


class UnknownProfileError(ProfileError):
    """No profile has that name."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known)) or "none (rime-tui auth login stores one)"
        super().__init__(f"no profile is named {name!r}; the profiles are: {names}")
        self.name = name


def profiles_file() -> Path:
    """``profiles.toml`` in the config dir (``$RIME_TUI_CONFIG_DIR``, else the
    platform's user config dir)."""
    return config_dir() / PROFILES_FILE


def check_name(name: str) -> str:
    """*name* if it can name a profile; a ValueError says why not."""
    if not NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} cannot name a profile: use 1 to 64 letters, digits, '.', '_' or "
            "'-', starting with a letter or digit."
        )
    return name


def is_token_shaped(token: str) -> bool:
    """Whether *token* could be an API token: one word of printable ASCII."""
    return bool(token) and token.isascii() and token.isprintable() and " " not in token


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    """The stored profiles by name (none when the file does not exist); a ProfileError
    for a file that cannot be read or is not a profile file."""
    path = path or profiles_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read the profiles in {path}: {exc}") from None
    found: dict[str, Profile] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            continue
        url, token = entry.get("cluster_url"), entry.get("token")
        if NAME.fullmatch(name) and isinstance(url, str) and isinstance(token, str):
            found[name] = Profile(name, url, token)
    return found


def get_profile(name: str, path: Path | None = None) -> Profile:
    """The profile *name*; UnknownProfileError when there is none."""
    profiles = load_profiles(path)
    if name not in profiles:
        raise UnknownProfileError(name, profiles)
    return profiles[name]


def save_profile(profile: Profile, path: Path | None = None) -> Path:
    """Store *profile* (replacing one of its name); answers the file. Written
    atomically (a 0600 temporary file, then renamed) in a 0700 dir."""
    path = path or profiles_file()
    profiles = load_profiles(path)
    profiles[check_name(profile.name)] = profile
    _write(path, profiles)
    return path


def remove_profile(name: str, path: Path | None = None) -> Path:
    """Forget the profile *name* (UnknownProfileError when there is none); answers the
    file."""
    path = path or profiles_file()
    profiles = load_profiles(path)
    if profiles.pop(name, None) is None:
        raise UnknownProfileError(name, profiles)
    _write(path, profiles)
    return path


def _write(path: Path, profiles: dict[str, Profile]) -> None:
    import tomli_w

    data = {
        p.name: {"cluster_url": p.cluster_url, "token": p.token}
        for p in sorted(profiles.values(), key=lambda p: p.name)
    }
    try:
        _private_dir(path.parent)
        write_private(path, tomli_w.dumps(data))
    except OSError as exc:
        raise ProfileError(f"cannot write the profiles to {path}: {exc}") from None


def _private_dir(path: Path) -> None:
    """Create *path* with mode 0700, or make an existing one of ours 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)


def same_cluster(a: str, b: str) -> bool:
    """Whether two cluster URLs are the same once normalised (scheme, trailing /)."""
    try:
        return cluster_url(a).lower() == cluster_url(b).lower()
    except ValueError:
        return False


@dataclass(frozen=True)
class Target:
    """Where a command goes and with which token, after the profiles are applied."""

    cluster: str | None
    """None: the local instance (no cluster given and no profile)."""
    token: str | None
    profile: str | None
    """The profile whose cluster or token is used; None for none."""
    token_from_profile: bool
    withheld: Profile | None = None
    """A profile whose token was not used because the cluster given is another one."""


def choose(
    cluster: str | None,
    token: str | None,
    name: str | None,
    *,
    implicit_default: bool = True,
    path: Path | None = None,
) -> Target:
    """Apply the profile *name* (None: :data:`DEFAULT` if *implicit_default* and it is
    stored) under *cluster* and *token* (``--cluster``/``RIME_CLUSTER_URL`` and
    ``RIME_API_TOKEN``), which win when set. The profile's token goes to its own
    cluster only. UnknownProfileError for a *name* not stored."""
    if name is None and not implicit_default:
        return Target(cluster, token, None, token_from_profile=False)
    profiles = load_profiles(path)
    profile = profiles.get(name or DEFAULT)
    if profile is None:
        if name is not None:
            raise UnknownProfileError(name, profiles)
        return Target(cluster, token, None, token_from_profile=False)
    where = cluster or profile.cluster_url
    if token:
        return Target(where, token, profile.name, token_from_profile=False)
    if same_cluster(where, profile.cluster_url):
        return Target(where, profile.token, profile.name, token_from_profile=True)
    return Target(where, None, None, token_from_profile=False, withheld=profile)
