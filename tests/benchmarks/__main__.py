"""All benchmarks: ``.venv/bin/python -m tests.benchmarks``. They print figures."""

from tests.benchmarks import (
    bench_cli,
    bench_login_spray,
    bench_private_line,
    bench_server,
    bench_tui,
)

print("== TUI ==", flush=True)
bench_tui.main([])
print("\n== local instance under load ==", flush=True)
bench_server.main([])
print("\n== rime-tui token list ==", flush=True)
bench_cli.main([])
print("\n== local instance under a sign-in spray ==", flush=True)
bench_login_spray.main([])
print("\n== the owner's CLI and TUI under a flood and a spray on the TCP port ==", flush=True)
bench_private_line.main([])
