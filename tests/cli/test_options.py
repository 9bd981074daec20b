"""Shared option groups and option passing: a group of flags declared once reads, helps and validates like flags
declared on the command itself, and reaches the command as one value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import typer
from typer.testing import CliRunner

from embedlab.cli.options import option, option_group, option_values


class Color(str, Enum):
    red = "red"
    dark_blue = "dark-blue"


@dataclass
class Paging:
    limit: int | None
    color: str


paging = option_group(
    "paging",
    [
        option("limit", int | None, None, "--limit", help="Rows at most."),
        option("color", Color, Color.red, "--color", help="Row colour."),
    ],
    lambda limit, color: Paging(limit, color.value),
)


def _app(seen: list) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @paging
    def show(
        name: str = typer.Argument(..., help="Who."),
        paging: Paging = None,  # type: ignore[assignment]
        loud: bool = typer.Option(False, "--loud", help="Shout."),
    ) -> None:
        seen.append((name, paging, loud))

    @app.command()
    def other() -> None:  # a second command keeps `show` a sub-command, as in embedlab
        pass

    return app


def test_group_reaches_the_command_as_one_value() -> None:
    seen: list = []
    result = CliRunner().invoke(_app(seen), ["show", "ann", "--limit", "3", "--color", "dark-blue", "--loud"])
    assert result.exit_code == 0, result.output
    assert seen == [("ann", Paging(3, "dark-blue"), True)]


def test_group_defaults_and_validation() -> None:
    seen: list = []
    app = _app(seen)
    assert CliRunner().invoke(app, ["show", "bob"]).exit_code == 0
    assert seen == [("bob", Paging(None, "red"), False)]
    bad = CliRunner().invoke(app, ["show", "bob", "--color", "green"])
    assert bad.exit_code == 2 and "green" in bad.output


def test_help_lists_the_group_in_its_place() -> None:
    out = CliRunner().invoke(_app([]), ["show", "--help"], terminal_width=200).output
    assert out.index("--limit") < out.index("--color") < out.index("--loud")
    assert "Rows at most." in out and "[default: red]" in out


def test_option_values_renames_skips_and_unwraps_choices() -> None:
    params = {"lr": 0.1, "color": Color.dark_blue, "quiet": True, "seed": None}
    assert option_values(params, skip=["quiet"], renamed={"lr": "learning_rate"}) == {
        "learning_rate": 0.1,
        "color": "dark-blue",
        "seed": None,
    }
