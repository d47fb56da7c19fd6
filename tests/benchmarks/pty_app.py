"""Running a program in a real pseudo-terminal and watching what it paints."""

from __future__ import annotations

import atexit
import codecs
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

_LONGEST_ESCAPE = 4096  # an "unfinished" sequence longer than this is not one


def _unfinished(tail: bytes) -> bool:
    """Whether *tail* (starting with ESC) may be the start of a sequence still arriving."""
    if len(tail) > _LONGEST_ESCAPE:
        return False
    if len(tail) == 1 or tail[:2] in (b"\x1b(", b"\x1b)"):
        return len(tail) <= 2
    if tail.startswith(b"\x1b["):  # CSI: parameters and intermediates until a final byte
        return all(0x20 <= byte <= 0x3F for byte in tail[2:])
    if tail.startswith(b"\x1b]"):  # OSC: until BEL or ST
        return b"\x07" not in tail and b"\x1b\\" not in tail
    return False


def user_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment users run with: bytecode caching on, a 256-colour terminal."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "TERM": "xterm-256color", **(extra or {})}


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
            env=user_env(env),
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        # If the benchmark dies, its app must not outlive it (it has no terminal left).
        atexit.register(self._reap)
        # Output is stripped of escape sequences as it arrives, once: re-stripping the
        # whole history on every poll made later runs measure slower than early ones.
        self.text = ""
        self._pending = b""  # bytes that may end inside an escape sequence or a character
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.seen = 0  # offset in .text that has been matched already
        self.bytes_read = 0  # every byte the app wrote to its terminal
        self.raw = bytearray()  # and the bytes themselves

    def _feed(self, data: bytes) -> None:
        self.bytes_read += len(data)
        self.raw += data
        pending = self._pending + data
        cut = pending.rfind(b"\x1b")
        if cut < 0 or not _unfinished(pending[cut:]):
            cut = len(pending)
        done, self._pending = pending[:cut], pending[cut:]
        self.text += self._decoder.decode(_ESCAPES.sub(b"", done))

    def _pump(self, wait: float) -> None:
        ready, _, _ = select.select([self.master], [], [], wait)
        if ready:
            try:
                self._feed(os.read(self.master, 65536))
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

    def wait_for_each(self, *needles: str, timeout: float = 30.0) -> float:
        """:meth:`wait_for` of every one of *needles*, in whatever order they appear (a
        page's parts paint in the order their data comes), each within *timeout*; the
        seconds of the last."""
        start, ends, last = self.seen, [], 0.0
        for needle in needles:
            self.seen = start
            last = max(last, self.wait_for(needle, timeout))
            ends.append(self.seen)
        self.seen = max(ends, default=start)
        return last

    def wait_exit(self, timeout: float = 120.0) -> int:
        """Read the output until the child exits; its exit code."""
        deadline = time.perf_counter() + timeout
        while self.process.poll() is None:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.process.args!r} still runs after {timeout} s")
            self._pump(0.01)
        return self.process.returncode

    def drain(self, seconds: float) -> int:
        """Read for *seconds*; the bytes the app wrote meanwhile."""
        start, deadline = self.bytes_read, time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            self._pump(min(left, 0.05))
        return self.bytes_read - start

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
