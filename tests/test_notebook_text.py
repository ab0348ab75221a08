"""The committed chapters' text states no result the chapter does not print.

A result (an accuracy, a time, a count that is not a constant of the dataset)
belongs in a line a code cell prints from the chapter's own variables; the
Markdown only points at it. These tests read the committed notebooks (no
execution) for the claims that were once written by hand and turned out wrong,
and for the habits that produce such claims.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

WRONG_CLAIMS = {
    "114k": "chapter 2 computes the offline expansion's size from its own count",
    "28k to": "chapter 2 computes the offline expansion's size from its own count",
    "two residual stages": "compact_resnet has three stages; chapter 10 prints their number",
    "smoothed target is 0.9": "label smoothing's target is 1 - ε + ε/7; chapter 10 prints it",
    "43%": "chapter 4's batch-norm anecdote was measured nowhere the chapter prints",
    "43 %": "chapter 4's batch-norm anecdote was measured nowhere the chapter prints",
    "short-horizon": "chapter 6 reads its searches against the class shares and the noise, it does not guess a cause",
}
"""Phrases of claims the chapters once made by hand, and why each is gone."""

STATED_DURATION = re.compile(r"\babout (\d[\d,.]*|one|two|three|four|five|several) (seconds|minutes|hours)\b",
                             re.IGNORECASE)
"""A planned or measured time written into the text instead of printed by a cell."""


def narrative(path: Path) -> list[str]:
    """The Markdown of a chapter before its exercises (an exercise may pose a made-up case)."""
    cells = nbformat.read(path, as_version=4).cells
    text = []
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        if cell.source.lstrip().startswith("## Exercises"):
            break
        text.append(cell.source)
    return text


def code(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def test_the_chapters_are_found():
    assert len(CHAPTERS) == 10, [path.name for path in CHAPTERS]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_no_claim_known_to_be_wrong(path):
    found = [(phrase, why) for text in narrative(path) for phrase, why in WRONG_CLAIMS.items()
             if phrase.lower() in text.lower()]
    assert not found, f"{path.name}: " + "; ".join(f"{phrase!r} ({why})" for phrase, why in found)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_no_time_written_into_the_text(path):
    """How long something takes depends on the profile, the data and the machine: a cell prints it."""
    found = [match.group(0) for text in narrative(path) for match in STATED_DURATION.finditer(text)]
    assert not found, f"{path.name} states times a cell should print: {found}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_tables_go_through_the_figures_helpers(path):
    """A bare ``DataFrame.style`` prints as ``<Styler at 0x...>`` in text; figures.styled
    and figures.captioned print the table."""
    bare = [source for source in code(path) if re.search(r"\.style\.|\.style\s*$", source, re.MULTILINE)]
    assert not bare, f"{path.name}: use figures.styled or figures.captioned instead of .style in:\n" + "\n".join(bare)


def test_chapter_6_prints_its_verdicts():
    """The noise check and the yardstick of the class shares are printed, not paraphrased."""
    sources = "\n".join(code(NOTEBOOKS / "06_tuning.ipynb"))
    assert "print(verdict)" in sources
    assert "share_loss" in sources and "learned = lead > verdict.noise" in sources


def test_chapter_10_shows_the_ablation_as_its_findings_word_it():
    sources = "\n".join(code(NOTEBOOKS / "10_recipe.ipynb"))
    assert "figures.styled_ablation(ablation" in sources
