"""The README documents every CLI command and the Quickstart commands exist."""

from __future__ import annotations

import re

import click

from narrascope.cli import main

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _leaf_commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,)


def test_every_cli_command_is_in_the_readme():
    missing = []
    for path in _leaf_commands(main):
        *groups, leaf = path
        # "narrascope predict semeval2023-techniques|semeval2023-frames" style rows count
        pattern = r"narrascope " + r"\s+".join(map(re.escape, groups)) + (r"\s+" if groups else "")
        pattern += r"[\w|\\-]*" + re.escape(leaf)
        if not re.search(pattern, README):
            missing.append(" ".join(path))
    assert not missing, f"commands missing from README.md: {missing}"


def test_quickstart_targets_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
