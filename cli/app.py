"""The typer application every command registers on."""

import typer

app = typer.Typer(
    name="sponsorlens",
    help="Measure sponsor logo exposure in broadcasts and event photos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
