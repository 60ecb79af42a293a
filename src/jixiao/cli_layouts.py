"""`jixiao layouts list|export|import`: the learned table layouts (layout memory), shared as a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jixiao.layouts import LayoutStore, read_layout_file
from jixiao.textsafe import terminal_text

layouts_app = typer.Typer(help="learned indicator-table layouts (layout memory under the cache folder)",
                          no_args_is_help=True)
_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)
StorePath = Annotated[Path | None, typer.Option("--store", help="the layout store (default: "
                                                "$JIXIAO_CACHE_DIR/layouts.json or ~/.cache/jixiao/layouts.json)")]


@layouts_app.command("list")
def list_layouts(store: StorePath = None) -> None:
    """One line per learned layout: signature, when, what confirmed it, header → field."""
    memory = LayoutStore(store)
    layouts = memory.load()
    for item in layouts.values():
        columns = " | ".join(f"{h}→{f or '-'}" for h, f in zip(item.header, item.fields, strict=True))
        _out.print(f"{item.signature}  {item.learned}  {item.confirmed_by}  {terminal_text(columns)}")
    _err.print(f"{terminal_text(str(memory.path))}: {len(layouts)} learned layouts")


@layouts_app.command("export")
def export_layouts(file: Annotated[Path, typer.Argument(help="the file to write (JSON)")],
                   store: StorePath = None) -> None:
    """Write the learned layouts to FILE, to share them with another office."""
    count = LayoutStore(store).export_file(file)
    _err.print(f"{terminal_text(str(file))}: {count} layouts written")


@layouts_app.command("import")
def import_layouts(file: Annotated[Path, typer.Argument(help="a file written by `jixiao layouts export`")],
                   store: StorePath = None) -> None:
    """Add the layouts of FILE to the store (validated first: data only, never code)."""
    try:
        read_layout_file(file)
        added = LayoutStore(store).import_file(file)
    except ValueError as exc:
        _err.print(f"[red]error[/red] {terminal_text(str(exc))}")
        raise typer.Exit(1) from exc
    _err.print(f"{terminal_text(str(file))}: {added} new layouts imported")
