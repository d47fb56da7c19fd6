"""What a scripting command loads (issue 17, item 3): only what it uses, and TLS from the
operating system's trust store for an https cluster."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from pathlib import Path

import truststore

from rime_tui.api.client import tls_context
from tests.support.faulty_server import FaultyServer

UNUSED = (
    *("click", "rich", "pygments", "textual", "fastapi", "uvicorn", "starlette"),
    *("asyncio", "concurrent"),
)
"""Top-level packages ``token list`` against a cluster has no use for: httpx's own CLI
(click, rich, pygments: encode/httpx#3547), the TUI, the local server, and the event
loop (one request after the other: rime_tui/commands/quick.py; httpcore imports
anyio's top module whatever the client)."""

LOADED = """
import json, sys
from rime_tui.cli import main
code = main(["token", "list", "--json", "--cluster", sys.argv[1]])
print(json.dumps([code, sorted({m.split(".")[0] for m in sys.modules})]), file=sys.stderr)
"""


def test_token_list_loads_nothing_it_does_not_use(faulty: FaultyServer) -> None:
    faulty.pin("GET", "/v1/users", {"users": [], "nextPageToken": "", "hasMore": False})
    env = {**os.environ, "RIME_API_TOKEN": "rime_stand-in"}
    done = subprocess.run(
        [sys.executable, "-c", LOADED, faulty.url],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    code, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert code == 0 and done.stdout.strip() == "[]", done.stderr
    assert not set(modules) & set(UNUSED), sorted(set(modules) & set(UNUSED))


def test_https_uses_the_os_trust_store_and_http_trusts_nothing() -> None:
    assert isinstance(tls_context("https://rime.example.io"), truststore.SSLContext)
    plain = tls_context("http://127.0.0.1:8477")
    assert isinstance(plain, ssl.SSLContext) and not isinstance(plain, truststore.SSLContext)
    assert plain.verify_mode == ssl.CERT_REQUIRED and plain.cert_store_stats()["x509_ca"] == 0


OFFLINE = """
import json, sys
from rime_tui.cli import main
codes = [main(["completion", "bash"]), main(["auth", "token"]), main(["auth", "logout"])]
print(json.dumps([codes, sorted({m.split(".")[0] for m in sys.modules})]), file=sys.stderr)
"""


def test_commands_that_reach_no_cluster_load_no_client(tmp_path: Path) -> None:
    """``completion``, ``auth token`` and ``auth logout`` read or change local files only:
    no HTTP client, no models, no event loop (``auth token`` went from 966 M instructions
    to 250 M)."""
    env = {**os.environ, "RIME_TUI_CONFIG_DIR": str(tmp_path), "RIME_PROFILE": "nobody"}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE], capture_output=True, text=True, env=env, timeout=60
    )
    codes, modules = json.loads(done.stderr.strip().splitlines()[-1])
    assert codes == [0, 5, 5], done.stderr  # no such profile: exit 5, as before
    assert "no profile is named 'nobody'" in done.stderr
    heavy = {"httpx", "httpcore", "anyio", "pydantic", "pydantic_core", "asyncio"}
    assert not set(modules) & heavy, sorted(set(modules) & heavy)
