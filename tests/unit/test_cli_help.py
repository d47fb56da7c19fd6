"""``rime-tui --help`` and ``serve --help`` say what a newcomer needs; a data dir that
cannot be created is said plainly."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


def rime_tui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rime_tui", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_names_the_environment_variables() -> None:
    out = rime_tui("--help").stdout
    for name in ("RIME_CLUSTER_URL", "RIME_API_TOKEN", "RIME_TUI_DATA_DIR", "RIME_TUI_CONFIG_DIR"):
        assert re.search(rf"^\s+{name}\s+\S", out, re.MULTILINE), name


def test_serve_help_explains_every_option_with_its_default() -> None:
    out = rime_tui("serve", "--help").stdout
    options = re.findall(r"^  (--[\w-]+)(.*(?:\n {6,}.*)*)", out, re.MULTILINE)
    assert {name for name, _ in options} >= {"--host", "--port", "--data-dir", "--no-banner"}
    for name, text in options:
        if name != "--help":
            assert "default" in text, name


@pytest.mark.parametrize("command", [[], ["serve"], ["token", "list"], ["status"]])
def test_a_data_dir_that_cannot_be_created_is_said_plainly(command: list[str]) -> None:
    done = rime_tui(*command, "--data-dir", "/proc/rime-tui-x")
    assert done.returncode == 2
    assert "cannot create the data dir /proc/rime-tui-x" in done.stderr
    assert "--data-dir" in done.stderr
    assert "Errno" not in done.stderr and "Traceback" not in done.stderr


def test_token_check_gives_up_after_10_s_by_default() -> None:
    """docs/scripting.md: `token check` waits `--timeout` seconds, "default 10"."""
    from rime_tui.cli import _parser

    assert _parser().parse_args(["token", "check"]).timeout == 10


TUI_STARTS = [
    [],
    ["--local"],
    ["--loc"],  # (argparse takes an abbreviation)
    ["--cluster", "https://rime.example.io", "--email", "me@example.com"],
    ["--cluster=https://rime.example.io", "--profile", "work"],
    ["--data-dir", "/tmp/d", "--port", "5000", "--local"],
    ["--email", "token"],  # a value that is a command's name
]
MISTAKES = [
    ["--hel"],  # help, abbreviated: the whole parser's, with the commands
    ["tokn"],
    ["--port", "five"],
    ["--local", "extra"],
    ["--nope"],
    ["--", "token"],
    ["token"],  # (a command with no action)
]


@pytest.mark.parametrize("argv", TUI_STARTS)
def test_the_tuis_start_is_parsed_as_the_whole_parser_parses_it(argv: list[str]) -> None:
    """``rime-tui`` with no command parses with the top-level options only (issue K);
    it must read every start exactly as the whole parser does."""
    from rime_tui.cli import _parse, _parser

    assert vars(_parse(argv)) == vars(_parser().parse_args(argv))
    assert _parse(argv).command is None


@pytest.mark.parametrize("argv", MISTAKES)
def test_a_mistake_or_help_is_answered_by_the_whole_parser(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from rime_tui.cli import _parse, _parser

    with pytest.raises(SystemExit) as ours:
        _parse(argv)
    said = capsys.readouterr()
    with pytest.raises(SystemExit) as whole:
        _parser().parse_args(argv)
    assert (ours.value.code, said) == (whole.value.code, capsys.readouterr())
    assert "usage: rime-tui" in said.err + said.out
    assert ours.value.code == (0 if argv == ["--hel"] else 2)


def test_the_tuis_start_builds_no_commands_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    from rime_tui import cli

    def whole() -> None:
        raise AssertionError("the whole parser was built")

    monkeypatch.setattr(cli, "_parser", whole)
    assert cli._parse(["--local", "--port", "5000"]).port == 5000
