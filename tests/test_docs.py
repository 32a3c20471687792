"""The admin's documents: every screenshot they show exists, every screenshot taken is shown,
and the README's top leads the admin to the French guide."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def _images(page: Path) -> set[Path]:
    return {(page.parent / target).resolve() for target in IMAGE.findall(page.read_text())}


def test_every_screenshot_shown_exists_and_every_one_taken_is_shown() -> None:
    shown = _images(DOCS / "guide-administrateur.md") | _images(DOCS / "walkthrough.md")
    assert all(path.exists() for path in shown), sorted(p for p in shown if not p.exists())
    taken = {p.resolve() for p in (DOCS / "screenshots").glob("*.png")}
    assert taken <= shown, sorted(taken - shown)


def test_readme_top_links_the_french_guide() -> None:
    top = "\n".join((ROOT / "README.md").read_text().splitlines()[:20])
    assert "(docs/guide-administrateur.md)" in top and "## En français" in top
