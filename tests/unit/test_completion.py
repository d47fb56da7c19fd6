"""``rime-tui completion bash|zsh|fish`` (issue L, item 5): the script loads neither
Textual nor httpx to be printed, and each shell, run for real, completes commands,
subcommands, options and option values from it."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.require import require

PRINT = """
import json, sys
from rime_tui.cli import main
code = main(["completion", sys.argv[1]])
loaded = sorted({m.split(".")[0] for m in sys.modules})
print("\\nLOADED=" + json.dumps([code, loaded]), file=sys.stderr)
"""

CASES = [
    ("", {"serve", "token", "status", "auth", "completion"}),
    ("to", {"token"}),
    ("token ", {"list", "create", "delete", "rotate", "prune", "check", "revoke"}),
    ("--data-dir /tmp token ro", {"rotate"}),
    ("token create ci --ou", {"--output"}),
    ("token create ci --output ", {"raw", "json", "env"}),
    ("token check --w", {"--within"}),
    ("auth ", {"login", "status", "logout", "token"}),
    ("auth login --with", {"--with-token"}),
    ("completion ", {"bash", "zsh", "fish"}),
]
"""The words typed after ``rime-tui`` (the last one being completed), and what is offered."""


def _words(typed: str) -> str:
    """*typed* as shell words, the last one (being completed) possibly empty."""
    return " ".join(shlex.quote(word) for word in typed.split(" "))


def _script(shell: str, where: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", PRINT, shell],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    code, loaded = json.loads(done.stderr.rpartition("LOADED=")[2])
    assert code == 0
    assert not {"textual", "httpx", "rich"} & set(loaded), loaded
    path = where / f"rime-tui.{shell}"
    path.write_text(done.stdout)
    return path


def _shell(shell: str, script: str) -> list[str]:
    if shutil.which(shell) is None:
        require("RIME_TUI_REQUIRE_SHELLS", f"{shell} is not installed")
    done = subprocess.run(
        [shell, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.splitlines()


def _offered(lines: list[str]) -> list[set[str]]:
    return [set(line.split("\t")[0].split()) for line in lines]


def test_bash_completes_from_the_script(tmp_path: Path) -> None:
    script = _script("bash", tmp_path)
    calls = "".join(
        f"COMP_WORDS=(rime-tui {_words(typed)}); "
        'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _rime_tui; echo "${COMPREPLY[*]}"\n'
        for typed, _ in CASES
    )
    lines = _shell("bash", f"source '{script}'\n{calls}")
    assert _offered(lines) == [want for _, want in CASES]


def test_bash_completes_a_directory_for_data_dir(tmp_path: Path) -> None:
    script = _script("bash", tmp_path)
    (tmp_path / "somedir").mkdir()
    (tmp_path / "somefile").touch()
    lines = _shell(
        "bash",
        f"source '{script}'\nCOMP_WORDS=(rime-tui --data-dir '{tmp_path}/some'); "
        'COMP_CWORD=2; _rime_tui; echo "${COMPREPLY[*]}"',
    )
    assert lines == [f"{tmp_path}/somedir"]


def test_zsh_completes_from_the_script(tmp_path: Path) -> None:
    """zsh's completion builtins stood in for (compadd prints what matches the word
    being completed, as it would offer it): they need an interactive shell; the
    script's own logic runs in a real zsh."""
    script = _script("zsh", tmp_path)
    calls = "".join(
        f"words=(rime-tui {_words(typed)}); CURRENT=${{#words}}; _rime_tui\n" for typed, _ in CASES
    )
    lines = _shell(
        "zsh",
        'compdef() { :; }; _files() { echo FILES "$*"; }\n'
        "compadd() { shift\n"
        '  for w; do [[ $w == ${words[CURRENT]}* ]] && print -rn -- "$w "; done; echo\n'
        "}\n"
        f"source '{script}'\n{calls}"
        "words=(rime-tui token rotate x --write ''); CURRENT=${#words}; _rime_tui\n",
    )
    assert _offered(lines[:-1]) == [want for _, want in CASES]
    assert lines[-1] == "FILES "


def test_fish_completes_from_the_script(tmp_path: Path) -> None:
    script = _script("fish", tmp_path)
    calls = "".join(
        f"complete -C 'rime-tui {typed}' | string split -f1 \\t | string join ' '\n"
        for typed, _ in CASES
    )
    # (`string split` fails when a line has no tab: the last status is not the test's)
    lines = _shell("fish", f"source '{script}'\n{calls}true\n")
    assert _offered(lines) == [want for _, want in CASES]
