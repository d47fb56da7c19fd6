"""Private files are never written through a planted symlink (issue 8, finding 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rime_tui.paths import write_private


def test_a_symlink_planted_at_the_temporary_name_is_not_followed(tmp_path: Path) -> None:
    """The temporary file of bootstrap.json once had a predictable name (its pid)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    planted = data_dir / f".bootstrap.json.{os.getpid()}.tmp"
    planted.symlink_to(victim)
    write_private(data_dir / "bootstrap.json", '{"admin_password": "secret"}\n')
    assert victim.read_text() == "precious\n"
    target = data_dir / "bootstrap.json"
    assert not target.is_symlink() and "secret" in target.read_text()
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)


def test_a_new_file_is_never_created_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    (tmp_path / "token.txt").symlink_to(victim)
    with pytest.raises(FileExistsError):
        write_private(tmp_path / "token.txt", "rime_secret\n", overwrite=False)
    assert not victim.exists()
