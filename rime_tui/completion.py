"""``rime-tui completion bash|zsh|fish``: a completion script, written from the parser.

The script knows, for each command path (``""``, ``"token"``, ``"token create"``…),
its subcommands (and the choices of a positional argument, such as the shell here)
and its options; and, for each option that takes a value, what kind of value:
a file, a directory, one of a few choices, or anything. The shell walks the words
typed so far to find the command path, and offers what fits there. Nothing but
argparse is involved: completing costs no Python at all, and printing the script
loads neither Textual nor httpx.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

FILE = "file"
DIRECTORY = "dir"
ANY = "any"


@dataclass
class Node:
    """What can follow a command path: words (subcommands, a positional's choices,
    each with its help) and options (each with its help)."""

    words: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Grammar:
    nodes: dict[str, Node] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    """Option → the kind of value it takes: FILE, DIRECTORY, ANY or ``choice:a b c``."""


def grammar(parser: argparse.ArgumentParser) -> Grammar:
    """The command paths, words and options of *parser* and its subparsers."""
    found = Grammar()
    _walk(parser, "", found)
    return found


def _walk(parser: argparse.ArgumentParser, path: str, found: Grammar) -> None:
    node = found.nodes.setdefault(path, Node())
    for action in parser._actions:  # argparse has no public way to list them
        text = _help(action.help)
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: _help(a.help) for a in action._choices_actions}
            for name, sub in action.choices.items():
                node.words[name] = helps.get(name, "")
                _walk(sub, f"{path} {name}".strip(), found)
        elif not action.option_strings:
            for choice in action.choices or ():
                node.words[str(choice)] = text
        else:
            for option in action.option_strings:
                node.options[option] = text
                if action.nargs != 0:
                    found.values[option] = _kind(action)


def _kind(action: argparse.Action) -> str:
    if action.choices:
        return "choice:" + " ".join(str(c) for c in action.choices)
    if action.type is Path:
        return DIRECTORY if action.metavar == "DIR" else FILE
    return ANY


def _help(text: str | None) -> str:
    if not text or text == argparse.SUPPRESS:
        return ""
    return " ".join(text.split()).split("; ")[0].split(" (")[0]


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for *shell* (bash, zsh or fish)."""
    found = grammar(parser)
    prog = parser.prog
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](found, prog)


def _ident(prog: str) -> str:
    return "_" + "".join(c if c.isalnum() else "_" for c in prog)


def _sh_cases(found: Grammar, fn: str) -> str:
    """The POSIX-shell functions both bash and zsh use: ``FN_words PATH``,
    ``FN_options PATH`` and ``FN_value OPTION``."""

    def case(table: dict[str, str]) -> str:
        return "\n".join(
            f"        {_sh_quote(k)}) echo {_sh_quote(v)} ;;" for k, v in table.items()
        )

    words = {p: " ".join(n.words) for p, n in found.nodes.items() if n.words}
    options = {p: " ".join(n.options) for p, n in found.nodes.items() if n.options}
    return f"""\
{fn}_words() {{
    case "$1" in
{case(words)}
    esac
}}
{fn}_options() {{
    case "$1" in
{case(options)}
    esac
}}
{fn}_value() {{
    case "$1" in
{case(found.values)}
    esac
}}
"""


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# The walk over the words typed before the cursor, shared by bash and zsh: an option
# that takes a value skips the next word; a word that is a subcommand of the path so
# far extends it; any other word is an argument.
_SH_WALK = """\
    local path="" word kind skip=0 i
    for ((i = @FIRST@; i < @LAST@; i++)); do
        word=@WORD@
        if ((skip)); then skip=0; continue; fi
        case $word in
            --*=*) continue ;;
            -*) [[ -n $(@FN@_value "$word") ]] && skip=1; continue ;;
        esac
        if [[ " $(@FN@_words "$path") " == *" $word "* ]]; then
            path=${path:+$path }$word
        fi
    done
"""


def _sh_walk(fn: str, *, first: str, last: str, word: str) -> str:
    """:data:`_SH_WALK` for one shell: where its words start and end, how one is read."""
    return (
        _SH_WALK.replace("@FIRST@", first)
        .replace("@LAST@", last)
        .replace("@WORD@", word)
        .replace("@FN@", fn)
    )


def _bash(found: Grammar, prog: str) -> str:
    fn = _ident(prog)
    walk = _sh_walk(fn, first="1", last="COMP_CWORD", word='"${COMP_WORDS[i]}"')
    return f"""\
# bash completion for {prog}: source <({prog} completion bash)
{_sh_cases(found, fn)}
{fn}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}"
{walk}    COMPREPLY=()
    if ((skip)); then
        kind=$({fn}_value "${{COMP_WORDS[COMP_CWORD-1]}}")
        case $kind in
            {FILE}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
            {DIRECTORY}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
            choice:*) COMPREPLY=($(compgen -W "${{kind#choice:}}" -- "$cur")) ;;
        esac
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$({fn}_options "$path")" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$({fn}_words "$path")" -- "$cur"))
    fi
}}
complete -F {fn} {prog}
"""


def _zsh(found: Grammar, prog: str) -> str:
    fn = _ident(prog)
    walk = _sh_walk(fn, first="2", last="CURRENT", word='"${words[i]}"')
    return f"""\
#compdef {prog}
# zsh completion for {prog}: source <({prog} completion zsh), after compinit
{_sh_cases(found, fn)}
{fn}() {{
    local cur="${{words[CURRENT]}}"
{walk}    if ((skip)); then
        kind=$({fn}_value "${{words[CURRENT-1]}}")
        case $kind in
            {FILE}) _files ;;
            {DIRECTORY}) _files -/ ;;
            choice:*) compadd -- ${{=kind#choice:}} ;;
        esac
    elif [[ $cur == -* ]]; then
        compadd -- $({fn}_options "$path")
    else
        compadd -- $({fn}_words "$path")
    fi
}}
compdef {fn} {prog}
"""


def _fish(found: Grammar, prog: str) -> str:
    fn = "_" + _ident(prog)
    q = _fish_quote

    def switch(table: dict[str, list[str]]) -> str:
        return "\n".join(
            f"        case {q(k)}\n            printf '%s\\n' {' '.join(q(v) for v in vs)}"
            for k, vs in table.items()
        )

    words = {p: list(n.words) for p, n in found.nodes.items() if n.words}
    values = {o: [k] for o, k in found.values.items()}
    lines = [
        f"# fish completion for {prog}: {prog} completion fish > "
        f"~/.config/fish/completions/{prog}.fish",
        f"function {fn}_words\n    switch $argv[1]\n{switch(words)}\n    end\nend",
        f"function {fn}_value\n    switch $argv[1]\n{switch(values)}\n    end\nend",
        f"""\
function {fn}_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $word
            case '--*=*'
                continue
            case '-*'
                set -l kind ({fn}_value $word)
                test -n "$kind"; and set skip 1
                continue
        end
        if contains -- $word ({fn}_words $path)
            set path (string trim -- "$path $word")
        end
    end
    echo $path
end
function {fn}_at
    set -l path ({fn}_path)
    test "$path" = "$argv[1]"
end
complete -c {prog} -f""",
    ]
    for path, node in found.nodes.items():
        at = f"-n {q(f'{fn}_at {q(path)}')}"
        for word, text in node.words.items():
            lines.append(f"complete -c {prog} {at} -a {q(word)} -d {q(text)}")
        for option, text in node.options.items():
            name = f"-l {q(option[2:])}" if option.startswith("--") else f"-s {q(option[1:])}"
            kind = found.values.get(option)
            takes = (
                ""
                if kind is None
                else " -r -F"
                if kind == FILE
                else " -x -a '(__fish_complete_directories)'"
                if kind == DIRECTORY
                else f" -x -a {q(_described(kind.removeprefix('choice:').split(), option))}"
                if kind.startswith("choice:")
                else " -x"
            )
            lines.append(f"complete -c {prog} {at} {name}{takes} -d {q(text)}")
    return "\n".join(lines) + "\n"


def _described(choices: list[str], option: str) -> str:
    """fish's ``-a`` words, each described (after an escaped tab) as *option*'s value."""
    return " ".join(f"{choice}\\t{option}" for choice in choices)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
