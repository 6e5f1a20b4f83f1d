"""``searchidx entities``: list the people, places and organisations, or train your own model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .cli_common import (
    EXIT_HITS,
    EXIT_NONE,
    choice_option,
    emit,
    fail,
    guard,
    index_option,
    json_option,
    open_for_search,
    option_filters,
    since_option,
    until_option,
)
from .render import entity_lines

__all__ = ["entities_group"]


class _ListByDefault(click.Group):
    """``searchidx entities [QUERY]`` lists; ``searchidx entities train ...`` trains.

    Anything that is not a subcommand's name goes to ``list`` (``searchidx entities
    -- train`` lists the entities of articles about trains).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands or args[0] == "--":
            args = ["list", *(args[1:] if args[:1] == ["--"] else args)]
        return super().parse_args(ctx, args)


@click.group(
    "entities",
    cls=_ListByDefault,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="People, places and organisations: list them (the default) or train a model (train).",
)
def entities_group() -> None:
    """People, places and organisations: list them (the default) or train a model (train)."""


@entities_group.command("list")
@click.argument("query", nargs=-1)
@index_option
@choice_option("--type", "kind", choices=("all", "person", "place", "org"), text="Which entities to list.")
@click.option(
    "-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many of each."
)
@since_option
@until_option
@json_option("JSON Lines: one record per entity.")
def list_command(
    query: tuple[str, ...],
    index_dir: str | None,
    kind: str,
    limit: int,
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """List the people, places and organisations most mentioned in articles matching QUERY.

    With no QUERY, over every article. Counts are articles, not mentions.
    `searchidx entities train --help` trains a model on your own data.
    Exit status: 0 if any entity was listed, 1 if none, 2 on error.
    """
    with guard("searchidx"):
        index = open_for_search(index_dir, "searchidx")
        if not index.has_entities:
            fail(
                "searchidx",
                f"{index.path} has no entities (built with --no-entities): rebuild it without that",
            )
        facets = index.facets(" ".join(query), limit=limit, filters=option_filters(since, until))
        lines = list(entity_lines(facets, kind, as_json=as_json))
        emit(lines)
        sys.exit(EXIT_HITS if lines else EXIT_NONE)


@entities_group.command("train")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path), help="Model file to write.")
@click.option("--c1", type=float, help="L1 regularisation [default: 0.05].")
@click.option("--c2", type=float, help="L2 regularisation [default: 0.05].")
@click.option("--iterations", type=click.IntRange(min=1), help="Training iterations [default: 150].")
def train_command(files: tuple[Path, ...], out: Path, **settings: Any) -> None:
    """Train an entity model on your own annotated FILES (CoNLL format).

    Each line holds a token and, last, its BIO tag (B-PER, I-ORG, B-LOC, O); a
    blank line ends a sentence. Then use the model:
    SEARCHIDX_NER_MODEL=OUT searchidx index --rebuild.
    """
    from .entities.train import train_own

    with guard("searchidx"):
        sentences, seconds = train_own(list(files), out, **settings)
        click.echo(f"trained on {sentences:,} sentences in {seconds:.0f}s -> {out}")
        click.echo(f"use it: export SEARCHIDX_NER_MODEL={out}; searchidx index --rebuild")
