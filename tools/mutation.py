"""Mutation testing of the modules that hold the README's promises (mutmut 3.x).

    .venv/bin/pip install --group mutation   # pyproject's [dependency-groups]; pip >= 25.1
    nice -n 19 .venv/bin/python tools/mutation.py            # every module below
    nice -n 19 .venv/bin/python tools/mutation.py rules text # some (names as in MODULES)
    nice -n 19 .venv/bin/python tools/mutation.py rules --only 'rime_tui.server.rules.x__live*'

mutmut changes one thing at a time in a module (a comparison, a number, a
string, a call left out) and runs the tests that reach the changed function;
a mutant the tests do not notice "survives". Each module runs in its own
scratch directory, .mutation/<name>/ (git ignores it), with only the test
files that exercise it (the whole suite per mutant would take days). The
score per module and every survivor's diff are printed and written to
.mutation/<name>/report.txt. The survivors that are left on purpose, and why,
are in docs/mutation.md. Not run in CI: it takes minutes per module.

A module may be limited to some functions (its ``only``: mutmut's names of their
mutants, see :func:`mutant`) when the file holds more than the promise (the
type-ahead hold in the App; the exit codes' choice across rime_tui/commands).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = ROOT / ".mutation"


@dataclass(frozen=True)
class Module:
    path: str  # the file mutated
    tests: tuple[str, ...]  # pytest arguments: the tests that exercise it
    also: tuple[str, ...] = ()  # more files mutated (their functions in *only*)
    only: tuple[str, ...] = ()  # if given, only these mutants (mutmut's names, globs)


def mutant(path: str, function: str) -> str:
    """mutmut's name (a glob) for the mutants of *function* (``Class.method`` for a
    method) in the file *path*."""
    module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    *owner, name = function.split(".")
    return f"{module}.x{''.join(f'ǁ{o}ǁ' for o in owner)}{'' if owner else '_'}{name}__mutmut_*"


MODULES: dict[str, Module] = {
    "text": Module(
        "rime_tui/wire/text.py",
        ("tests/unit/test_hidden_text.py", "tests/unit/test_text_visible.py"),
    ),
    "contract": Module(
        "tests/support/contract.py",
        ("tests/unit/test_contract_check.py",),
    ),
    "paging": Module(
        "rime_tui/server/paging.py",
        (
            "tests/server/test_paging.py",
            "tests/server/test_list_json.py",
            "tests/server/test_bad_input.py",
            "tests/server/test_access_rules.py",
            "-k",
            "page",
        ),
    ),
    "validation": Module(
        "rime_tui/server/validation.py",
        ("tests/server/test_validation_limits.py", "tests/server/test_bad_input.py"),
    ),
    "rules": Module(
        "rime_tui/server/rules.py",
        (
            "tests/server/test_access_rules.py",
            "tests/server/test_users_removed.py",
            "tests/server/test_validation_limits.py",
            "tests/server/test_project_visibility.py",
            "tests/server/test_rules.py::test_a_workspace_admin_manages_members_tokens_but_not_an_org_admins",
            "--deselect",
            "tests/server/test_access_rules.py::test_fuzzed_page_tokens_never_fail",
            "-k",
            "not hidden_characters",  # text checks (validation), 15 new instances
        ),
    ),
    "throttle": Module(
        "rime_tui/server/throttle.py",
        (
            "tests/unit/test_login_throttle.py",
            "tests/server/test_login_limits.py",
            "tests/server/test_limits.py::test_two_password_checks_at_once_and_16_more_may_wait",
        ),
    ),
    "limits": Module(  # the connection limits: 10 s to send a request, 128 + 64 connections
        "rime_tui/server/compat.py",
        (
            "tests/server/test_limits.py",
            "tests/server/test_private_line.py::test_uvicorns_private_protocol_is_checked",
        ),
    ),
    "proof": Module(
        "rime_tui/proof.py",
        ("tests/unit/test_instance_proof.py",),
    ),
    "delivery": Module(
        "rime_tui/api/delivery.py",
        # In this process: the commands' own tests run them as subprocesses, which
        # mutmut does not see.
        ("tests/server/test_delivery.py",),
    ),
    "exits": Module(
        "rime_tui/commands/exits.py",
        (
            "tests/server/test_exit_codes_in_process.py",
            # which path `token list` takes (commands.run): the one-shot's requests
            "tests/server/test_cli_one_shot.py::test_the_one_shot_list_is_the_event_loops_list",
        ),
        # The code that chooses the exit codes: the commands' error handling.
        also=(
            "rime_tui/commands/runner.py",
            "rime_tui/commands/__init__.py",
            "rime_tui/commands/failures.py",
            "rime_tui/commands/targets.py",
            "rime_tui/commands/stored.py",
            "rime_tui/cli.py",
        ),
        only=(
            "rime_tui.commands.exits.*",
            mutant("rime_tui/commands/runner.py", "run"),
            mutant("rime_tui/commands/runner.py", "_interruptible"),
            mutant("rime_tui/commands/__init__.py", "run"),
            mutant("rime_tui/commands/failures.py", "exit_for"),
            mutant("rime_tui/commands/targets.py", "target"),  # which profile, which code
            mutant("rime_tui/commands/stored.py", "profile_name"),
            mutant("rime_tui/commands/stored.py", "stored"),
            mutant("rime_tui/cli.py", "_closed_pipe_is_quiet"),
        ),
    ),
    "type-ahead": Module(
        "rime_tui/tui/app.py",
        ("tests/tui/test_type_ahead.py",),
        only=tuple(
            mutant("rime_tui/tui/app.py", function)
            for function in (
                "RimeApp.hold_keys",
                "RimeApp.release_keys",
                "RimeApp.release_holds_of",
                "RimeApp._drop_typed_ahead",
                "RimeApp._held_for",
                "RimeApp.on_event",
                "RimeApp._must_wait",
                "RimeApp._busy_nodes",
                "RimeApp._deliver_typed_keys",
                "RimeApp._settled",
                "_screen_of",
                "_finite",
                "_handled",
            )
        ),
    ),
}


def prepare(name: str, module: Module) -> Path:
    """A fresh scratch directory *name*: the package and the tests (linked; mutmut
    copies them into mutants/), and pyproject.toml with this module's [tool.mutmut]."""
    where = SCRATCH / name
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for linked in ("rime_tui", "tests"):
        (where / linked).symlink_to(ROOT / linked)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project.setdefault("tool", {})["mutmut"] = {
        "source_paths": ["rime_tui"]
        + ([] if module.path.startswith("rime_tui/") else [module.path]),
        "only_mutate": [module.path, *module.also],
        "also_copy": ["README.md", "docs"],
        "pytest_add_cli_args": ["-p", "no:cacheprovider", "-p", "no:randomly", "-q"],
        "pytest_add_cli_args_test_selection": list(module.tests),
        # mutmut stops a mutant's tests after 30 * (their calls' time + this) s of CPU; the
        # calls' time leaves out set-up (a local instance, sign-ins), which a busy machine
        # and a whole selection of server tests exceed: a surviving mutant was "timeout".
        "timeout_constant": 10.0,
    }
    (where / "pyproject.toml").write_text(tomli_w.dumps(project))
    return where


# Run in the scratch directory: every mutant's status, and the diff of each that is not
# killed (one process: `mutmut show` per survivor takes a second each to start).
COLLECT = """
import json
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files
found = {}
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = "" if status == "killed" else get_diff_for_mutant(name, path=path)
        found[name] = [status, diff]
print(json.dumps(found))
"""
KILLED = ("killed", "timeout")


def python(where: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=where, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stdout.write(done.stdout + done.stderr)
        raise SystemExit(f"{' '.join(args)[:60]} failed in {where}")
    return done.stdout


def run(name: str, module: Module, only: list[str]) -> tuple[int, int, list[str]]:
    """Mutate *module* (only the mutants named by the globs *only*, if any, else by the
    module's own ``only``); return (killed, total, the report of the others)."""
    where = prepare(name, module)
    only = only or list(module.only)
    python(where, "-m", "mutmut", "run", "--max-children", "1", *only)
    found: dict[str, list[str]] = json.loads(python(where, "-c", COLLECT))
    if only:  # the mutants the globs left out
        found = {mutant: seen for mutant, seen in found.items() if seen[0] != "not checked"}
    killed = sum(status in KILLED for status, _ in found.values())
    report = [
        f"{mutant}: {status}\n{diff}\n"
        for mutant, (status, diff) in sorted(found.items())
        if status not in KILLED
    ]
    return killed, len(found), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {' '.join(MODULES)} (default: all)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GLOB",
        help="mutants whose names match (e.g. 'rime_tui.server.rules.x__live*'); in "
        ".mutation/<module>-part/; a module run in parts scores the sum of its parts",
    )
    given = parser.parse_args()
    names, only = given.modules or list(MODULES), given.only
    if unknown := set(names) - set(MODULES):
        parser.error(f"unknown module(s): {' '.join(sorted(unknown))}")
    scores = []
    for name in names:
        module = MODULES[name]
        print(f"== {name}: {module.path}", flush=True)
        scratch = f"{name}-part" if only else name
        killed, total, report = run(scratch, module, only)
        share = killed / max(total, 1)
        score = f"{name:12} {module.path:32} {killed:4}/{total:<4} killed ({share:.0%})"
        text = "\n".join([score, *report])
        (SCRATCH / scratch / "report.txt").write_text(text + "\n")
        print(text, flush=True)
        scores.append(score)
    print("\n== scores\n" + "\n".join(scores))


if __name__ == "__main__":
    main()
