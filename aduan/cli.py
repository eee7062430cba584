"""The `aduan` command: run the whole system, one process, or the set-up steps."""

from __future__ import annotations

import asyncio

import typer

from aduan.config import get_settings
from aduan.processes import PROCESS_NAMES

app = typer.Typer(help="Aduan: complaint handling with legal deadlines and escalation.",
                  no_args_is_help=True)


@app.command()
def run() -> None:
    """Start PostgreSQL, NATS, Temporal and every Aduan process (Ctrl-C stops all)."""
    from aduan import stack

    stack.run(get_settings())


@app.command()
def serve(name: str = typer.Argument(..., help=f"one of: {', '.join(PROCESS_NAMES)}")) -> None:
    """Run one Aduan process in the foreground."""
    if name not in PROCESS_NAMES:
        raise typer.BadParameter(f"unknown process {name!r}; use one of {', '.join(PROCESS_NAMES)}")
    from aduan import processes

    processes.serve(name, get_settings())


@app.command()
def setup() -> None:
    """Create the database, apply migrations and ensure the JetStream stream."""
    from aduan import stack

    asyncio.run(stack.prepare(get_settings()))
    typer.echo("database migrated, stream ready")
