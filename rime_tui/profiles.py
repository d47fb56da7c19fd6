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

import contextlib
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rime_tui.address import cluster_url
from rime_tui.paths import config_dir, toml_table, write_private

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
        data = toml_table(_read_private(path))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:  # (not UTF-8, or not TOML: both ValueErrors)
        raise ProfileError(f"cannot read the profiles in {path}: {exc}") from None
    found: dict[str, Profile] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            continue
        url, token = entry.get("cluster_url"), entry.get("token")
        if NAME.fullmatch(name) and isinstance(url, str) and isinstance(token, str):
            found[name] = Profile(name, url, token)
    return found


def _read_private(path: Path) -> str:
    """The text of *path*, never through a symlink, and only from a file of ours (a
    file another user planted could send our commands to a cluster of theirs); a file
    others may read is made 0600 again."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, encoding="utf-8") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise OSError(f"{path} is not a file of yours")
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.fchmod(fd, 0o600)
        return handle.read()


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
    check_name(profile.name)
    with _locked(path):
        profiles = load_profiles(path)
        profiles[profile.name] = profile
        _write(path, profiles)
    return path


def remove_profile(name: str, path: Path | None = None) -> Path:
    """Forget the profile *name* (UnknownProfileError when there is none); answers the
    file."""
    path = path or profiles_file()
    with _locked(path):
        profiles = load_profiles(path)
        if profiles.pop(name, None) is None:
            raise UnknownProfileError(name, profiles)
        _write(path, profiles)
    return path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One change of the file at a time (two logins at once must not lose a profile):
    an exclusive lock on ``.profiles.toml.lock`` beside it."""
    import fcntl

    lock = path.with_name(f".{path.name}.lock")
    try:
        _private_dir(path.parent)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise ProfileError(f"cannot lock the profiles in {path}: {exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(path: Path, profiles: dict[str, Profile]) -> None:
    import tomli_w

    data = {
        p.name: {"cluster_url": p.cluster_url, "token": p.token}
        for p in sorted(profiles.values(), key=lambda p: p.name)
    }
    try:
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
    """Whether two cluster URLs are the same once normalised (a scheme added, the
    trailing / gone, the scheme and host in lower case)."""
    try:
        one, other = urlsplit(cluster_url(a)), urlsplit(cluster_url(b))
    except ValueError:
        return False
    return (one.scheme, one.netloc.lower(), one.path) == (
        other.scheme,
        other.netloc.lower(),
        other.path,
    )


@dataclass(frozen=True)
class Target:
    """Where a command goes and with which token, after the profiles are applied."""

    cluster: str | None
    """None: the local instance (no cluster given, and no profile)."""
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
    path: Path | None = None,
) -> Target:
    """Apply the profile *name* (None: :data:`DEFAULT`, if it is stored) under
    *cluster* and *token* (``--cluster``/``RIME_CLUSTER_URL`` and ``RIME_API_TOKEN``).

    A cluster given wins over the profile's, and *token* goes with it; without a
    *token*, the profile's token goes there only if it is the profile's own cluster
    (else it is *withheld*). *token* is never sent to a profile's cluster: a token
    exported for one cluster (or the local instance) must not go to another. With
    neither a cluster nor a profile: the local instance. UnknownProfileError for a
    *name* not stored."""
    profiles = load_profiles(path)
    profile = profiles.get(name or DEFAULT)
    if profile is None and name is not None:
        raise UnknownProfileError(name, profiles)
    if cluster is None:
        if profile is None:
            return Target(None, None, None, token_from_profile=False)
        return Target(profile.cluster_url, profile.token, profile.name, token_from_profile=True)
    if token or profile is None:
        return Target(cluster, token, None, token_from_profile=False)
    if same_cluster(cluster, profile.cluster_url):
        return Target(cluster, profile.token, profile.name, token_from_profile=True)
    return Target(cluster, None, None, token_from_profile=False, withheld=profile)


def choose_for_tui(
    cluster: str | None,
    remembered: str | None,
    token: str | None,
    name: str | None,
    *,
    path: Path | None = None,
) -> Target:
    """Where the TUI signs in, and with which token, as :func:`choose` decides, but a
    cluster *remembered* from the last sign-in comes after a named profile and before
    the default one (with the default profile's token when it is for that cluster).
    The local instance (cluster None) keeps *token* (``RIME_API_TOKEN``), as ever."""
    if cluster or name or not remembered:
        chosen = choose(cluster, token, name, path=path)
    else:
        chosen = choose(remembered, token, None, path=path)
    if chosen.cluster is None:
        return Target(None, token, None, token_from_profile=False)
    return chosen


def name_for(url: str, preferred: str | None = None, path: Path | None = None) -> str:
    """The profile a token for *url* is stored as: *preferred* (the one chosen) if it is
    for *url*, else the one that is (``default`` first), else ``default`` if it is free,
    else one named after the host."""
    profiles = load_profiles(path)
    ours = sorted(
        (p.name for p in profiles.values() if same_cluster(p.cluster_url, url)),
        key=lambda n: (n != preferred, n != DEFAULT, n),
    )
    if ours:
        return ours[0]
    if DEFAULT not in profiles:
        return DEFAULT
    host = re.sub(r"[^A-Za-z0-9._-]", "-", urlsplit(cluster_url(url)).netloc).strip(".-_")
    return host[:64] or "cluster"
