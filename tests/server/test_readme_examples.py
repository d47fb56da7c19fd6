"""The README's shell examples, and docs/scripting.md's, run as written, in order, in one shell.

Every ```sh block of those pages runs, unless the line before its fence says why not:
``<!-- not run: REASON -->`` (an install, the TUI, CI itself, a real cluster, a synopsis).
The blocks run one command at a time in one bash, as a reader pastes them, with
``rime-tui`` on PATH (``python -m rime_tui`` of this venv), in a fresh home (HOME and XDG
dirs in a temporary dir): each command must exit 0. The one liberty: ``curl`` fails on an
HTTP error (``--fail-with-body``), so that a refused request fails the example instead of
printing an error body with exit 0.

The examples name the default port, 8477, as a reader would use it. They run in a network
namespace of their own (``unshare``, with its own loopback) where the machine allows one,
so nothing else on 8477 (a developer's instance, a parallel test) meets them; without one
they run on the machine's loopback if 8477 is free there, and are skipped otherwise
(a failure with RIME_TUI_REQUIRE_NETNS=1, as .ci/run sets).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.require import require

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "docs" / "scripting.md"]
PORT = 8477

BLOCK = re.compile(r"(?:<!-- not run: (?P<why>[^>]*?) -->\n)?```sh\n(?P<body>.*?)^```", re.S | re.M)

# Bring the namespace's loopback up (SIOCGIFFLAGS, SIOCSIFFLAGS | IFF_UP), then run bash.
_LO_UP = (
    "import fcntl, os, socket, struct, sys\n"
    "s = socket.socket()\n"
    "ifreq = struct.pack('16sH22x', b'lo', 0)\n"
    "flags = struct.unpack('16sH22x', fcntl.ioctl(s, 0x8913, ifreq))[1]\n"
    "fcntl.ioctl(s, 0x8914, struct.pack('16sH22x', b'lo', flags | 1))\n"
    "os.execvp('bash', ['bash', *sys.argv[1:]])\n"
)


def blocks(page: Path) -> list[tuple[str | None, str]]:
    """The page's ```sh blocks: (why it is not run, or None; its text)."""
    return [(b["why"], b["body"]) for b in BLOCK.finditer(page.read_text(encoding="utf-8"))]


def commands(body: str) -> list[str]:
    """The commands of a block: lines joined at a trailing backslash, no blank or comment
    lines."""
    out: list[str] = []
    pending = ""
    for line in body.splitlines():
        pending += line + "\n"
        if line.endswith("\\"):
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            out.append(pending.rstrip("\n"))
        pending = ""
    return out


def examples() -> list[tuple[str, str]]:
    """Every command that runs: (where it is, the command), in page order."""
    found = []
    for page in PAGES:
        for why, body in blocks(page):
            if why is None:
                found += [(page.name, command) for command in commands(body)]
    return found


def script(steps: list[tuple[str, str]]) -> str:
    lines = [
        'cd "$HOME"',
        # Whatever happens, the background jobs (`rime-tui serve &`) end with the shell.
        "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT",
        'curl() { command curl --fail-with-body "$@"; }',
    ]
    for where, command in steps:
        lines += [
            command,
            f'__rc=$?; [ $__rc -eq 0 ] || {{ echo "exit $__rc: {where}: "{shlex.quote(command)}'
            " >&2; exit 1; }",
        ]
    return "\n".join(lines) + "\n"


def _namespace_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    done = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", _LO_UP, "-c", "true"],
        capture_output=True,
        timeout=30,
    )
    return done.returncode == 0


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_every_shell_example_either_runs_or_says_why_not() -> None:
    for page in PAGES:
        for why, body in blocks(page):
            assert why is None or why.strip(), f"{page.name}: a reason after 'not run:'"
            assert why is not None or commands(body), f"{page.name}: an empty block"
    # The quick start is among those that run.
    run = [command for _, command in examples()]
    assert any(c.startswith('eval "$(rime-tui token create ci') for c in run)
    assert any(c.startswith('eval "$(rime-tui token rotate ci') for c in run)
    assert any(c.startswith("curl -X POST http://127.0.0.1:8477/projects") for c in run)


def test_the_shell_examples_run_as_written(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        require("RIME_TUI_REQUIRE_CURL", "curl is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "rime-tui"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m rime_tui "$@"\n')
    shim.chmod(0o755)
    # A short home: the data dir's socket path must fit in 107 bytes, and pytest-xdist's
    # tmp_path would leave it a few too long.
    with tempfile.TemporaryDirectory(prefix="readme-") as short:
        _run_examples(tmp_path, bin_dir, Path(short))


def _run_examples(tmp_path: Path, bin_dir: Path, home: Path) -> None:
    steps = examples()
    # After the examples: the secret the rotate exported is the one `ci` has now, and it
    # works (the TUI, started next, would sign in with it); `kill %1` stops the instance.
    check = [
        ("check", "rime-tui token list --json > after.json"),
        (
            "check",
            'curl -s -o /dev/null -H "rime-api-key: $RIME_API_TOKEN" '
            "http://127.0.0.1:8477/v1/rime-info",
        ),
        ("check", 'printf %s "$RIME_API_TOKEN" > exported'),
        ("check", "kill %1 && wait"),
        ("check", "! command curl -s -o /dev/null http://127.0.0.1:8477/healthz"),
    ]
    (tmp_path / "examples.sh").write_text(script(steps + check))
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "LANG": "C.UTF-8",
    }
    bash = ["bash", str(tmp_path / "examples.sh")]
    if _namespace_works():
        argv = ["unshare", "-rn", sys.executable, "-c", _LO_UP, *bash[1:]]
    elif _port_free(PORT):
        argv = bash
    else:
        require("RIME_TUI_REQUIRE_NETNS", f"no network namespace here, and port {PORT} is taken")
    process = subprocess.Popen(
        argv,
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # (a hung example: all of its processes)
    assert process.returncode == 0, output

    # The cron line's file holds the list (no token expires within 14 days here).
    assert json.loads((home / "soon.json").read_text()) == []
    (ci,) = [t for t in json.loads((home / "after.json").read_text()) if t["name"] == "ci"]
    assert (home / "exported").read_text().endswith(ci["suffix"])
