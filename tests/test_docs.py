"""The repository carries its own documentation: every relative link in README.md and
docs/*.md leads to a file of the repository (and, for a Markdown target with an anchor, to
one of its headings), and no tracked file points outside the repository to the shared
design folder next to it."""

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import REPO

PAGES = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
# Split so that this file does not match itself.
FORBIDDEN = ("../" + "shared", "/work/" + "shared", "shared/" + "reference")


def relative_links(page: Path) -> list[str]:
    """Link targets of a Markdown page, outside code fences and inline code, that are
    neither web addresses nor mail links."""
    text = FENCE.sub("", page.read_text("utf-8"))
    text = re.sub(r"`[^`\n]*`", "", text)
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip().lower())
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text("utf-8"))
    return {slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


def test_the_docs_exist():
    names = {p.name for p in PAGES}
    assert {"README.md", "rules.md", "scenario-format.md", "evaluation-contract.md",
            "ranking-and-comparisons.md", "output-contract.md", "solvers.md",
            "worked-example.md", "layout.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or REPO.resolve() not in (file, *file.parents):
            broken.append(f"{target}: no such file in the repository")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, f"{page.relative_to(REPO)}: " + "; ".join(broken)


def tracked_files_mentioning(needle: str) -> list[str]:
    result = subprocess.run(["git", "grep", "-l", "-F", "-I", needle], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1), result.stderr   # 1: no match
    return result.stdout.split()


@pytest.mark.parametrize("needle", FORBIDDEN)
def test_no_tracked_file_mentions_the_shared_folder(needle):
    files = tracked_files_mentioning(needle)
    assert not files, (f"these tracked files mention {needle}; the repository must carry "
                       f"its own docs (see docs/): {files}")
