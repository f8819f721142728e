"""The reader options every command that reads sources shares (``--text-field``, ``--max-bytes``,
``--source``, ...): :func:`read_options_params` adds them to a click command, :func:`make_read_options`
turns them into :class:`~narrascope.readers.ReadOptions`. Kept here, not in :mod:`narrascope.cli`,
so that the command modules need not import the CLI that imports them."""

from __future__ import annotations

import click


def read_options_params(f):
    """The reader options shared by every command that reads sources."""
    opts = [
        click.option("--text-field", default="text", show_default=True, help="JSON/CSV field with the article text."),
        click.option("--title-field", default="title", show_default=True, help="JSON/CSV field with the title."),
        click.option("--url-field", default="url", show_default=True, help="JSON/CSV field with the URL."),
        click.option("--source-field", default="source", show_default=True, help="JSON/CSV field with the outlet."),
        click.option("--published-field", default="published", show_default=True, help="JSON/CSV field with the date."),
        click.option("--id-field", default="id", show_default=True, help="JSON/CSV field with the document id."),
        click.option("--language-field", default="language", show_default=True, help="JSON/CSV field with the language code."),
        click.option("--input-format", "input_format", default=None, help="Force a reader instead of guessing (txt, jsonl, json, csv, tsv, html, feed, warc)."),
        click.option("--max-bytes", default=50 * 1024 * 1024, show_default=True, type=int, help="Largest file or download accepted, in bytes."),
        click.option("--max-chars", default=2_000_000, show_default=True, type=int, help="Largest document accepted, in characters."),
        click.option("--timeout", default=20.0, show_default=True, type=float, help="Seconds allowed per URL fetch."),
        click.option("--allow-private-network", is_flag=True, help="Allow fetching URLs on loopback/private/link-local addresses."),
        click.option("--source", "meta_source", default=None, help="Source (outlet) for documents that name none."),
        click.option("--published", "meta_published", default=None, help="Date YYYY-MM-DD for documents that carry none."),
        click.option("--manifest", "meta_manifest", default=None, type=click.Path(dir_okay=False),
                     help="CSV/JSONL mapping files to source and date (columns: file, source, published[, title, url])."),
        click.option("--no-dateline", "no_dateline", is_flag=True, help="Do not read a missing date from the text's dateline."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def make_read_options(kw: dict):
    from ..readers import ReadOptions

    return ReadOptions(
        text_field=kw.pop("text_field"),
        title_field=kw.pop("title_field"),
        url_field=kw.pop("url_field"),
        source_field=kw.pop("source_field"),
        published_field=kw.pop("published_field"),
        id_field=kw.pop("id_field"),
        language_field=kw.pop("language_field"),
        format=kw.pop("input_format"),
        max_bytes=kw.pop("max_bytes"),
        max_document_chars=kw.pop("max_chars"),
        timeout=kw.pop("timeout"),
        allow_private_network=kw.pop("allow_private_network"),
        metadata=_metadata(kw),
    )


def _metadata(kw: dict):
    from ..readers.metadata import Metadata

    return Metadata.build(source=kw.pop("meta_source", None), published=kw.pop("meta_published", None),
                          manifest=kw.pop("meta_manifest", None), dateline=not kw.pop("no_dateline", False))
