"""Stored profiles (rime_tui.profiles): which cluster and token a command uses, and the
file that keeps the tokens (0600, atomic, never through a symlink, ours only)."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rime_tui.profiles import (
    Profile,
    ProfileError,
    Target,
    UnknownProfileError,
    choose,
    choose_for_tui,
    load_profiles,
    name_for,
    profiles_file,
    save_profile,
)

PROD = Profile("default", "https://prod.example.io", "rime_prod-secret")
CI = Profile("ci", "https://ci.example.io/", "rime_ci-secret")


@pytest.fixture
def stored() -> Path:
    save_profile(PROD)
    return save_profile(CI)


def test_the_file_is_0600_in_a_0700_config_dir_and_reads_back(isolated_dirs: Path) -> None:
    path = save_profile(PROD)
    assert path == isolated_dirs / "config" / "profiles.toml" == profiles_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_profiles() == {"default": PROD}
    files = sorted(p.name for p in path.parent.iterdir())  # no temporary file left
    assert files == [".profiles.toml.lock", "profiles.toml"]


def test_a_symlink_at_the_profiles_file_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "planted.toml"
    elsewhere.write_text('[default]\ncluster_url = "https://evil.example"\ntoken = "x"\n')
    profiles_file().parent.mkdir(parents=True)
    profiles_file().symlink_to(elsewhere)
    with pytest.raises(ProfileError):
        load_profiles()
    with pytest.raises(ProfileError):
        choose(None, None, None)


def test_a_file_others_can_read_is_made_0600_again(stored: Path) -> None:
    os.chmod(stored, 0o644)
    assert load_profiles()["ci"] == CI
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


def test_without_a_cluster_the_profile_gives_the_cluster_and_its_token(stored: Path) -> None:
    assert choose(None, None, None) == Target(PROD.cluster_url, PROD.token, "default", True)
    assert choose(None, None, "ci") == Target(CI.cluster_url, CI.token, "ci", True)
    # RIME_API_TOKEN alone is not sent to a profile's cluster (it may be another's).
    assert choose(None, "rime_env", "ci") == Target(CI.cluster_url, CI.token, "ci", True)


def test_a_cluster_given_wins_and_takes_the_environments_token(stored: Path) -> None:
    assert choose("https://other.io", "rime_env", "ci") == Target(
        "https://other.io", "rime_env", None, False
    )
    # The same cluster, spelled otherwise, with no token of its own: the profile's.
    assert choose("CI.example.io", None, "ci") == Target("CI.example.io", CI.token, "ci", True)


def test_a_profiles_token_never_goes_to_another_cluster(stored: Path) -> None:
    chosen = choose("https://other.io", None, None)
    assert chosen.token is None and chosen.withheld == PROD


def test_no_profile_is_the_local_instance_and_an_unknown_name_is_an_error() -> None:
    assert choose(None, "rime_env", None) == Target(None, None, None, False)
    with pytest.raises(UnknownProfileError, match="'nope'"):
        choose(None, None, "nope")


def test_the_tui_puts_a_remembered_cluster_between_a_named_profile_and_the_default(
    stored: Path,
) -> None:
    remembered = "https://last.example.io"
    last = choose_for_tui(None, remembered, None, None)
    assert (last.cluster, last.token, last.profile) == (remembered, None, None)
    assert choose_for_tui(None, remembered, None, "ci").token == CI.token
    assert choose_for_tui(None, PROD.cluster_url, None, None).token == PROD.token
    assert choose_for_tui(None, None, None, None).token == PROD.token
    assert choose_for_tui(None, remembered, "rime_env", None).token == "rime_env"


def test_the_tui_keeps_the_environments_token_for_the_local_instance() -> None:
    assert choose_for_tui(None, None, "rime_env", None) == Target(None, "rime_env", None, False)


def test_a_token_the_tui_stores_goes_to_the_profile_of_its_cluster(stored: Path) -> None:
    assert name_for("ci.example.io") == "ci"
    assert name_for("https://prod.example.io/", "ci") == "default"
    assert name_for("https://new.example.io:8443") == "new.example.io-8443"
    assert name_for("https://new.example.io", "ci") == "new.example.io"


def test_logins_at_the_same_time_lose_no_profile() -> None:
    """Each save reads the file, adds its profile and replaces the file: one at a time."""
    names = [f"p{i}" for i in range(16)]
    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(lambda n: save_profile(Profile(n, "https://x.io", "rime_x")), names))
    assert sorted(load_profiles()) == sorted(names)


@pytest.mark.parametrize(
    "text",
    ["not = [toml", "\udcff", "a = " + "[" * 3000 + "]" * 3000],
    ids=["garbled", "bytes", "deep"],
)
def test_a_file_that_is_not_a_profile_file_is_said_so_and_settings_fall_back(
    text: str, isolated_dirs: Path
) -> None:
    """A profiles.toml (or config.toml) that cannot be read as TOML: the commands say
    why (ProfileError, which they print); the TUI's settings go back to the defaults.
    Never a traceback: not even for arrays nested thousands deep (a RecursionError)."""
    from rime_tui.config import Settings, load_settings
    from rime_tui.paths import config_file, write_private

    data = text.encode("utf-8", "surrogateescape")
    write_private(profiles_file(), "")
    profiles_file().write_bytes(data)
    config_file().write_bytes(data)
    with pytest.raises(ProfileError, match="cannot read the profiles in"):
        load_profiles()
    assert load_settings() == Settings()
