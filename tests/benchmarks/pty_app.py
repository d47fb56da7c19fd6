"""Running a program in a real pseudo-terminal and watching what it paints."""

from __future__ import annotations

import atexit
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Sequence
from pathlib import Path

_ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-B]"
)


class PtyApp:
    """A child process on a pty of *cols* x *rows*; its output is kept as plain text."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cols: int = 100,
        rows: int = 30,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "TERM": "xterm-256color", **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        # If the benchmark dies, its app must not outlive it (it has no terminal left).
        atexit.register(self._reap)
        self.raw = b""
        self.seen = 0  # offset in .text that has been matched already

    @property
    def text(self) -> str:
        return _ESCAPES.sub(b"", self.raw).decode("utf-8", "replace")

    def _pump(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the child closed the pty
                time.sleep(wait)

    def wait_for(self, needle: str, timeout: float = 30.0) -> float:
        """Seconds (perf_counter) at which *needle* appeared after the last match."""
        deadline = time.perf_counter() + timeout
        while True:
            index = self.text.find(needle, self.seen)
            if index >= 0:
                self.seen = index + len(needle)
                return time.perf_counter()
            if time.perf_counter() > deadline:
                tail = self.text[-400:]
                raise TimeoutError(f"{needle!r} did not appear within {timeout} s; saw …{tail!r}")
            self._pump(0.005)

    def mark(self) -> None:
        """Only output from now on counts for the next wait_for."""
        while True:
            ready, _, _ = select.select([self.master], [], [], 0)
            if not ready:
                break
            self._pump(0)
        self.seen = len(self.text)

    def send(self, data: str) -> None:
        os.write(self.master, data.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.send("\x11")  # ctrl+q
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
        os.close(self.master)

    def _reap(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        return kib / 1024
