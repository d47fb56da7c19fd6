"""TUIs on one data dir share its local instance; the last one to exit stops it.

Real ``rime-tui serve`` processes, started the way the TUI starts them; the "other
TUI" killed with SIGKILL is a real process holding a lease.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from rime_tui.local import LocalInstance
from tests.support.net import free_port


def spawn(*args: str) -> subprocess.Popen[str]:
    """Our own interpreter running *args*, its stdout a pipe."""
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True)


async def answers(instance: LocalInstance) -> bool:
    return await instance._probe()


async def test_the_last_tui_to_exit_stops_the_shared_instance(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    first, second = LocalInstance(data_dir, port), LocalInstance(data_dir, port)
    try:
        assert await first.ensure_running() is True  # the first TUI starts it
        assert await second.ensure_running() is False  # the second finds it
        first.stop()  # the first quits: the second still uses it
        assert await answers(second)
        second.stop()  # the last one quits: it stops
        await asyncio.sleep(0)
        assert not await answers(second)
    finally:
        first.stop()
        second.stop()


async def test_a_killed_tui_does_not_keep_the_instance_alive(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    mine = LocalInstance(data_dir, port)
    script = textwrap.dedent(
        f"""
        import asyncio, sys, time
        from pathlib import Path
        from rime_tui.local import LocalInstance
        asyncio.run(LocalInstance(Path({str(data_dir)!r}), {port}).ensure_running())
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    other = spawn("-c", script)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "ready"
        assert await mine.ensure_running() is False  # the other TUI started it
        os.kill(other.pid, signal.SIGKILL)  # its lease stays behind, stale
        other.wait(timeout=10)
        assert mine.holders() == 1  # the dead TUI's lease does not count
        mine.stop()  # the last live TUI stops the instance the killed one started
        assert not await answers(mine)
    finally:
        other.kill()
        other.wait(timeout=10)
        mine.stop()


async def test_a_hand_started_serve_is_never_stopped_by_a_tui(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    served = spawn(
        "-m", "rime_tui", "serve", "--port", str(port), "--data-dir", str(data_dir), "--no-banner"
    )
    tui = LocalInstance(data_dir, port)
    try:
        for _ in range(200):
            if (data_dir / "instance-key").exists() and await answers(tui):
                break
            await asyncio.sleep(0.05)
        assert await tui.ensure_running() is False
        tui.stop()
        assert await answers(tui)
    finally:
        served.terminate()
        served.wait(timeout=10)
