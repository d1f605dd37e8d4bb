"""`dfss completion bash|zsh`: the script completes what the parser accepts, run in a real bash."""

from __future__ import annotations

import subprocess

import pytest

from dfss.cli import main


def completion_script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["completion", shell]) == 0
    return capsys.readouterr().out


def complete(script: str, line: str) -> list[str]:
    """What bash offers for `line` (the cursor at its end), through the script's function."""
    program = f"""{script}
COMP_LINE={line!r}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_dfss
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    done = subprocess.run(
        ["bash", "--norc", "-c", program], capture_output=True, text=True, check=True, timeout=30
    )
    return [word for word in done.stdout.splitlines() if word]


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("dfss s", {"stop", "sweep", "sessions", "status"}),
        ("dfss --e", {"--endpoint"}),
        ("dfss st", {"stop", "status"}),
        ("dfss sweep --y", {"--yes"}),
        ("dfss sweep --dry-run --p", {"--project", "--profile"}),
        ("dfss --json extend x --m", {"--minutes"}),
        ("dfss completion ", {"bash", "zsh", "-h", "--help"}),
        ("dfss stop --endpoint ", set()),  # a URL: nothing to offer
        (
            "dfss sessions --",
            {"--help", "--endpoint", "--stack", "--region", "--profile", "--json"},
        ),
    ],
)
def test_bash_completes_what_the_parser_accepts(
    line: str, offered: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    script = completion_script("bash", capsys)
    assert set(complete(script, line)) == offered


def test_the_zsh_script_is_the_same_function_through_bashcompinit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bash = completion_script("bash", capsys)
    zsh = completion_script("zsh", capsys)

    assert "autoload -U +X bashcompinit && bashcompinit\n" in zsh
    function = bash.split("\n", 1)[1]
    assert zsh.endswith(function)
    assert zsh.rstrip().endswith("complete -F _dfss dfss")


def test_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["completion", "fish"]) == 2
    assert "argument shell: invalid choice: 'fish'" in capsys.readouterr().err
