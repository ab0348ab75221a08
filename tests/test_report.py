"""The report: committed notebooks stay clean, the book merges the chapters, every
chapter runs in the smoke profile with the checks nbval made, and the smoke-profile
book built from that same run is a PDF with every chapter, figure and reference.

The chapters are executed once per test run (``executed_chapters``), by
``fer_utils.book.run_notebooks`` as ``python3 tasks.py report`` does; the
per-cell tests and the book both read that run. Why, and what exactly is
checked: tests/notebook_checks.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from fer_utils import book
from fer_utils.config import project_root
import notebook_checks as checks
from notebook_checks import CellRef, check_cell, committed_cells, run_chapters

COMMITTED = book.notebook_paths(project_root() / "notebooks")
MACHINE_PATHS = re.compile(r"/work/|/home/|/tmp/|/Users/|/root/|/private/var/|[A-Za-z]:\\\\")
REQUIRE_PDF = "FER_REPORT_REQUIRE_PDF"  # set by .ci/run: there a missing XeLaTeX fails, not skips
PNG = (  # a 1x1 white PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_notebooks_are_clean(path):
    """No machine's paths, no error outputs, and small enough for git and nbval."""
    text = path.read_text(encoding="utf-8")
    found = MACHINE_PATHS.search(text)
    assert not found, f"{path.name} holds a machine path: ...{text[found.start() - 60:found.end() + 60]}..."
    notebook = nbformat.reads(text, as_version=4)
    errors = [i for i, cell in enumerate(notebook.cells)
              for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors, f"{path.name}: cells {errors} carry error outputs"
    assert path.stat().st_size < 3_000_000, f"{path.name} is {path.stat().st_size / 1e6:.1f} MB"


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_notebooks_are_executed_top_to_bottom(path):
    """A student opening a chapter sees every output, produced by one run in cell order."""
    notebook = nbformat.read(path, as_version=4)
    counts = [cell.execution_count for cell in notebook.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


def chapter(folder: Path, number: int, title: str, caption: str | None = None) -> Path:
    """A small executed chapter as papermill leaves it."""
    figure = new_code_cell('fig = figures.plot_class_counts(dataset)\nfigures.save_figure(fig, "01_class_counts")', outputs=[
        new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        new_output("stream", name="stderr", text="a warning\n"),
    ])
    if caption:
        figure.metadata["caption"] = caption
    notebook = new_notebook(cells=[
        new_markdown_cell(f"# Chapter {number}. {title}\n\nSome maths: $a^2 + b^2$."),
        new_code_cell("profile = None", metadata={"tags": ["parameters"]}),
        new_code_cell('data = "/somewhere/fer2013"', metadata={"tags": ["injected-parameters"]}),
        new_markdown_cell(f"## {number}.1 Counting\n\n```python\n# not a heading\n```"),
        figure,
        new_code_cell("print(1)", outputs=[new_output("stream", name="stdout", text="1\n")]),
        new_markdown_cell("## Summary\n\nDone."),
    ], metadata={"papermill": {"duration": 2.5, "parameters": {"profile": "smoke"}}})
    path = folder / f"{number:02d}_{title.lower()}.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def chapters(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    return [chapter(folder, 1, "Alpha"), chapter(folder, 3, "Beta", caption="My own caption")]


def test_book_numbers_chapters_sections_and_figures(chapters):
    merged = book.book_notebook(chapters)
    markdown = "\n".join(cell.source for cell in merged.cells if cell.cell_type == "markdown")
    for heading in ("# Chapter 1. Alpha", "## 1.1 Counting", "## 1.2 Summary", "# Chapter 3. Beta",
                    "## 3.2 Summary", "# not a heading"):
        assert heading in markdown
    sources = [cell.source for cell in merged.cells if cell.cell_type == "code"]
    assert "profile = None" in sources and not any("/somewhere" in source for source in sources)
    figures = [output.metadata for cell in merged.cells if cell.cell_type == "code"
               for output in cell.outputs if "image/png" in output.get("data", {})]
    assert [f["figure"] for f in figures] == ["Figure 1.1", "Figure 3.1"]  # a chapter keeps its number
    assert figures[0]["caption"] == "Bar chart of images per emotion, one panel per split."
    assert figures[1]["caption"] == "My own caption"
    streams = [output.get("name") for cell in merged.cells if cell.cell_type == "code"
               for output in cell.outputs if output.output_type == "stream"]
    assert streams == ["stdout", "stdout"]  # stderr left out
    assert [c["title"] for c in merged.metadata.book["toc"]] == ["Alpha", "Beta"]


def test_book_refuses_a_chapter_with_an_error(chapters):
    notebook = nbformat.read(chapters[1], as_version=4)
    notebook.cells[5].outputs.append(new_output("error", ename="ValueError", evalue="boom", traceback=[]))
    nbformat.write(notebook, chapters[1])
    with pytest.raises(RuntimeError, match=r"03_beta.ipynb, cell 5: ValueError: boom"):
        book.book_notebook(chapters)


def test_without_xelatex_the_html_is_written_and_the_install_explained(chapters, tmp_path, monkeypatch, capsys):
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "xelatex" else which(name, *a, **k))
    written = book.export_book(notebooks_dir=chapters[0].parent, output_dir=tmp_path, hide_code=True)
    assert written["pdf"] is None and not (tmp_path / "fer-book.pdf").exists()
    html = written["html"].read_text()
    for text in ("Chapter 1. Alpha", "1.1 Counting", "Figure 3.1.", "My own caption", "References",
                 "Goodfellow", "Appendix A. Environment", "Time per chapter", "smoke"):
        assert text in html
    assert "print(1)" not in html, "--hide-code leaves the input out"
    assert 'src="data:image/png;base64' in html
    contents = html.split('<nav class="book-toc">')[1].split("</nav>")[0]
    targets = set(re.findall(r'id="([^"]+)"', html))
    assert all(link in targets for link in re.findall(r'href="#([^"]+)"', contents)), "a contents link leads nowhere"
    message = capsys.readouterr().err
    assert "xelatex" in message and "apt-get install" in message and "texlive-xetex" in message


# --- exercises and their solutions; interactive cells ----------------------------------

WIDGET_VIEW = {"version_major": 2, "version_minor": 0, "model_id": "0a1b2c"}
INTERACTIVE = ("interactive(children=(FloatSlider(value=1.0, description='strength', max=2.0), Output()), "
               "_dom_classes=('widget-interact',))")


def exercise_chapter(folder: Path, number: int, title: str) -> Path:
    """An executed chapter with an interactive cell, ending with exercises as the chapters write them:
    a code exercise (student's cell, solution cell, check cell) and questions with collapsed answers."""
    notebook = new_notebook(cells=[
        new_markdown_cell(f"# Chapter {number}. {title}"),
        new_markdown_cell("## Turning a knob"),
        new_code_cell("explore(draw, strength=(0.0, 2.0, 0.1))", outputs=[
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}),
            new_output("display_data", data={"application/vnd.jupyter.widget-view+json": WIDGET_VIEW,
                                             "text/plain": INTERACTIVE}),
            new_output("display_data", data={"text/plain": INTERACTIVE}),  # saved without the widget's data
            new_output("display_data", data={"text/plain": "fits:  40%|####      | 2/5 [00:01<00:01, 2.00it/s]"}),
            new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}),
        ]),
        new_markdown_cell("## Exercises\n\nWrite your answer in the first cell; open *Solution* for an answer."),
        new_markdown_cell(f"### Exercise {number}.1: Sum two numbers\n\nWrite `add(a, b)`."),
        new_code_cell("def add(a, b):\n    ...  # STUDENT-STUB"),
        new_code_cell("def add(a, b):\n    return a + b  # SOLUTION-CODE\n\n\nprint('solved', add(40, 2))",
                      metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}},
                      outputs=[new_output("stream", name="stdout", text="SOLUTION-OUTPUT 42\n")]),
        new_code_cell("check_add(add)", outputs=[new_output("stream", name="stdout", text="CHECK-PASSED\n")]),
        new_markdown_cell(f"### Exercise {number}.2: Think, it's simple\n\nWhy is $1 + 1 = 2$?\n\n"
                          "<details><summary>Solution</summary>\n\nFIRST-ANSWER: *two* ones.\n\n</details>\n"),
        new_markdown_cell(f"### Exercise {number}.3: With a hint\n\nQUESTION-TEXT\n\n<details><summary>Hint</summary>"
                          "\n\nHINT-TEXT\n\n</details>\n\n<details>\n<summary>Solution</summary>\n\nSECOND-ANSWER"
                          "\n\n</details>"),
    ], metadata={"papermill": {"duration": 1.0, "parameters": {"profile": "smoke"}}})
    path = folder / f"{number:02d}_{title.lower()}.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def exercises(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    return [chapter(folder, 1, "Alpha"), exercise_chapter(folder, 2, "Beta")]


def split_at_solutions(merged) -> tuple[list, list]:
    """The book's cells before the solutions appendix and from it on."""
    start = next(i for i, cell in enumerate(merged.cells) if cell.source.startswith(
        ("# Appendix A. Solutions to the exercises", r"\appendix\chapter{Solutions to the exercises}")))
    return merged.cells[:start], merged.cells[start:]


def text_of(cells) -> str:
    return "\n".join([cell.source for cell in cells] + [
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in cells if cell.cell_type == "code" for output in cell.outputs])


def test_exercises_stay_in_the_chapter_and_their_solutions_move_to_an_appendix(exercises):
    merged = book.book_notebook(exercises)
    chapters, appendix = split_at_solutions(merged)
    text, solutions = text_of(chapters), text_of(appendix)
    for kept in ("## 2.2 Exercises", "### Exercise 2.1: Sum two numbers", "STUDENT-STUB", "check_add(add)",
                 "CHECK-PASSED", "Why is $1 + 1 = 2$?", "QUESTION-TEXT", "HINT-TEXT"):
        assert kept in text and kept not in solutions, kept
    for moved in ("SOLUTION-CODE", "SOLUTION-OUTPUT 42", "FIRST-ANSWER", "SECOND-ANSWER"):
        assert moved in solutions and moved not in text, moved
    assert "<summary>Solution" not in text and "<summary>Hint</summary>" in text
    assert "In this book the solutions are in Appendix A, Solutions to the exercises." in text
    code = [cell for cell in appendix if cell.cell_type == "code"]
    assert [cell.source.split("\n")[1] for cell in code] == ["    return a + b  # SOLUTION-CODE"]
    assert "jupyter" not in code[0].metadata  # no longer collapsed
    headings = [line for cell in appendix if cell.cell_type == "markdown" for line in cell.source.splitlines()
                if line.startswith("#")]
    assert headings == [
        "# Appendix A. Solutions to the exercises",
        "## A.1 Chapter 2. Beta",  # chapter 1 has no exercises
        "### Solution 2.1: Sum two numbers", "### Solution 2.2: Think, it's simple", "### Solution 2.3: With a hint",
        "# Appendix B. Environment", "## B.1 Time per chapter", "## B.2 Package versions",
    ]
    # each exercise says where its solution is, once, with a link to its heading there
    links = re.findall(r"\*The solution is in Appendix A: \[Solution (2\.\d)\]\(#([^)]+)\)\.\*", text)
    assert [number for number, _ in links] == ["2.1", "2.2", "2.3"]
    assert [anchor for _, anchor in links] == [book.html_anchor(heading) for heading in headings[2:5]]
    back = merged.metadata.book["back"]
    assert [entry["label"] for entry in back] == [
        "References", "Appendix A. Solutions to the exercises", "Appendix B. Environment"]
    assert [section["number"] for section in back[1]["sections"]] == ["A.1"]


def test_an_interactive_cell_shows_its_static_figure_and_no_widget_text(exercises):
    merged = book.book_notebook(exercises)
    cell = next(cell for cell in merged.cells if cell.source.startswith("explore("))
    assert [list(output.data) for output in cell.outputs] == [["image/png", "text/plain"]]
    assert cell.outputs[0].metadata["figure"] == "Figure 2.1"
    kept = [new_output("execute_result", data={"text/plain": text}, execution_count=1)
            for text in ("42", "Result(value=3)", "'40%'", "interactive")]
    assert not any(book._is_widget(output) for output in kept)


def test_the_html_book_hides_the_solutions_in_the_chapters(exercises, tmp_path):
    for hide_code in (False, True):
        html = book.export_html(exercises, {}, tmp_path / "book.html", hide_code=hide_code).read_text()
        appendix = html.index('<h1 id="Appendix-A.-Solutions-to-the-exercises">')
        assert html.index("Exercise 2.1: Sum two numbers") < html.index("CHECK-PASSED") < appendix
        for moved in ("SOLUTION-CODE", "SOLUTION-OUTPUT 42", "FIRST-ANSWER", "SECOND-ANSWER"):
            assert html.index(moved) > appendix, (moved, hide_code)  # also with --hide-code: the code as text
        assert "interactive(children" not in html and "Output()" not in html and "40%|" not in html
        contents = html.split('<nav class="book-toc">')[1].split("</nav>")[0]
        assert "Appendix A. Solutions to the exercises" in contents and "Appendix B. Environment" in contents
        targets = set(re.findall(r'id="([^"]+)"', html))
        links = {unquote(link) for link in re.findall(r'href="#([^"]+)"', html[:appendix])}  # as browsers match
        assert links and links <= targets, f"links leading nowhere: {links - targets}"
        assert ("STUDENT-STUB" in html) is not hide_code


@pytest.mark.skipif(not shutil.which("pandoc"), reason="pandoc not installed")
def test_the_latex_book_points_to_the_page_of_each_solution(exercises):
    merged = book.book_notebook(exercises, latex=True)
    chapters, appendix = split_at_solutions(merged)
    text, solutions = (" ".join(text_of(cells).split()) for cells in (chapters, appendix))
    assert r"\subsection*{Exercise 2.1: Sum two numbers}" in text  # the exercise keeps its own number only
    for number in (1, 2, 3):
        assert f"\\pageref{{solution-2-{number}}}" in text
        assert f"\\label{{solution-2-{number}}}" in solutions
    assert solutions.count(r"\appendix") == 1 and r"\chapter{Environment}" in solutions
    assert "SOLUTION-CODE" in solutions and "SOLUTION-CODE" not in text


def test_the_pdf_book_has_the_exercises_in_the_chapter_and_the_solutions_at_the_end(exercises, tmp_path):
    if missing_book_tools():
        pytest.skip(f"{', '.join(missing_book_tools())} not installed")
    pdf = book.export_pdf(exercises, {}, tmp_path / "book.pdf")
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    appendix = text.index("Appendix A Solutions to the exercises")
    assert text.index("Exercise 2.1: Sum two numbers") < text.index("CHECK-PASSED") < appendix
    assert re.search(r"The solution is in Appendix A: Solution 2\.1, page \d+\.", text)
    for moved in ("SOLUTION-CODE", "FIRST-ANSWER", "SECOND-ANSWER"):
        assert text.count(moved) == 1 and text.index(moved) > appendix, moved
    assert "Appendix B" in text and "interactive(children" not in text


def chapter_title(path: Path) -> tuple[int | None, str]:
    """Number and title of a notebook's first '# Chapter N. Title' heading."""
    for cell in nbformat.read(path, as_version=4).cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else []:
            if line.startswith("# "):
                number, title = book.CHAPTER.match(line).groups()
                return number and int(number), title
    raise AssertionError(f"{path.name} has no chapter heading")


# --- the smoke-profile book (what CI builds on every run) -----------------------------


def missing_book_tools() -> list[str]:
    return book.missing_pdf_tools() + [t for t in ("pdftotext", "pdfimages") if not shutil.which(t)]


@pytest.fixture(scope="session")
def executed_chapters(request, tmp_path_factory):
    """The one execution of the chapters in this test run (only those its selected tests need)."""
    wanted = set()
    for item in request.session.items:
        if "smoke_book" in getattr(item, "fixturenames", ()) and not missing_book_tools():
            wanted |= {path.name for path in COMMITTED}
        cell = getattr(item, "callspec", None) and item.callspec.params.get("cell")
        if isinstance(cell, CellRef):
            wanted.add(cell.path.name)
    folder = tmp_path_factory.mktemp("book")
    return run_chapters(folder / "notebooks", wanted)


@pytest.mark.slow
@pytest.mark.parametrize("cell", committed_cells(COMMITTED), ids=lambda cell: cell.id)
def test_notebook_cell(cell, executed_chapters):
    """What `pytest --nbval-lax` checked: the cell ran without an error and, when marked
    `# NBVAL_CHECK_OUTPUT`, gave the committed outputs (see notebook_checks.check_cell)."""
    check_cell(executed_chapters, cell)


@pytest.fixture(scope="session")
def smoke_book(request):
    """The chapters of this run's one execution, exported as PDF and HTML."""
    missing = missing_book_tools()
    if missing:
        message = f"{', '.join(missing)} not installed: see the README for the LaTeX tool chain"
        if os.environ.get(REQUIRE_PDF):
            pytest.fail(message)
        pytest.skip(message)
    run = request.getfixturevalue("executed_chapters")
    if run.failure:
        pytest.fail(f"run_notebooks failed: {run.failure!r}")
    failed = sorted(run.errors)
    assert not failed, f"chapters {failed} failed: see their test_notebook_cell results"
    for path in COMMITTED:
        run.executed(path.name)
    return run.folder.parent, book.export_book(notebooks_dir=run.folder, output_dir=run.folder.parent)


@pytest.mark.slow
def test_smoke_book_has_every_chapter_figure_and_reference(smoke_book):
    folder, written = smoke_book
    for path in book.executed_notebooks(folder / "notebooks"):
        notebook = nbformat.read(path, as_version=4)
        assert not [cell for cell in notebook.cells for output in cell.get("outputs", [])
                    if output.output_type == "error"], f"{path.name} raised an error"
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(written["pdf"]), "-"],
                                   capture_output=True, text=True, check=True).stdout.split())
    assert "Contents" in text and "Profile smoke" in text
    titles = [chapter_title(path) for path in COMMITTED]
    for position, (number, title) in enumerate(titles, start=1):
        number = number or position
        assert text.count(" ".join(title.split())) >= 2, f"chapter {number} {title!r}: in contents and text"
        assert f"Chapter {number}" in text
        assert f"Figure {number}.1" in text, f"chapter {number} has no captioned figure"
    for reference in ("References", "Goodfellow", "Selvaraju", "van der Maaten", "Ioffe", "Srivastava",
                      "Appendix A", "Solutions to the exercises", "Appendix B", "Environment", "Time per chapter"):
        assert reference in text
    solutions = text.index("Appendix A Solutions to the exercises")  # the appendix's first page
    for position, (number, title) in enumerate(titles, start=1):
        number = number or position
        exercise, solution = f"Exercise {number}.1:", f"Solution {number}.1:"
        assert exercise in text[:solutions], f"chapter {number}'s exercises"
        assert solution in text[solutions:] and solution not in text[:solutions], f"chapter {number}'s solutions"
    assert "interactive(children" not in text, "an interactive cell's controls as text"
    assert "Traceback" not in text
    images = subprocess.run(["pdfimages", "-list", str(written["pdf"])], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(images) >= len(titles)
    assert written["html"].stat().st_size > 100_000


def test_a_wide_table_gets_columns_no_narrower_than_their_longest_word():
    from bs4 import BeautifulSoup

    frame = pd.DataFrame(
        {"PublicTest accuracy": [0.243, 0.114], "PrivateTest macro-F1": [0.056, 0.05],
         "seed measured on": ["FER-2013, 20% of Training (validation), the seed's own split of the faces"] * 2},
        index=pd.Index(["residual_separable", "mini_xception"], name="network"),
    )
    table = BeautifulSoup(frame.to_html(), "html.parser").find("table")
    book._fit_columns(table)
    # index: the name that cannot wrap (18); headings wrap to their longest word (10, 11); text capped at 40
    assert [col["width"] for col in table.find_all("col")] == ["23%", "13%", "14%", "51%"]


# --- the per-cell checks themselves (tests/notebook_checks.py) -------------------------


def code_notebook(path: Path, *cells, outputs=None, executed=True) -> Path:
    """A notebook of code cells; ``outputs`` per cell, execution counts when ``executed``."""
    notebook = new_notebook(cells=[new_code_cell("profile = None", metadata={"tags": ["parameters"]},
                                                 execution_count=1 if executed else None)])
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for number, source in enumerate(cells, start=1):
        notebook.cells.append(new_code_cell(source, outputs=(outputs or {}).get(number, []),
                                            execution_count=number + 1 if executed else None))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def stdout(text):
    return new_output("stream", name="stdout", text=text)


def result(text, count=1, png=None):
    data = {"text/plain": text, **({"image/png": png} if png else {})}
    return new_output("execute_result", data=data, execution_count=count)


def test_outputs_are_compared_as_nbval_lax_compares_them():
    reference = [stdout("a\n"), stdout("b\n"), result("42", count=3, png=PNG)]
    assert checks.compare_outputs([stdout("a\nb\n"), result("42", count=9, png="other")], reference) == ""
    assert checks.compare_outputs([stdout("x\rb\n"), result("42")], [stdout("b\n"), result("42")]) == ""
    assert "mismatch 'text/plain'" in checks.compare_outputs([result("41")], [result("42")])
    assert "mismatch 'stdout'" in checks.compare_outputs([stdout("a\n")], [stdout("b\n")])
    assert "Missing output fields" in checks.compare_outputs([], [stdout("a\n")])
    assert "Unexpected output fields" in checks.compare_outputs([new_output("stream", name="stderr", text="!")], [])
    assert "dissimilar number" in checks.compare_outputs([result("1"), result("1")], [result("1")])


@pytest.fixture
def one_run(tmp_path):
    """A committed chapter and its executed copy (papermill's parameter cell included), cells 1..5."""
    sources = ["x = 1", "# NBVAL_CHECK_OUTPUT\nprint(x)", "print('free')",
               "# NBVAL_IGNORE_OUTPUT\nprint(2)", "1 / 0", "print('after')"]
    committed = code_notebook(tmp_path / "notebooks" / "01_a.ipynb", *sources,
                              outputs={2: [stdout("1\n")], 3: [stdout("committed\n")], 4: [stdout("2\n")]})
    executed = code_notebook(tmp_path / "run" / "01_a.ipynb", *sources, outputs={
        2: [stdout("1\n")], 3: [stdout("this run\n")], 4: [stdout("other\n")],
        5: [new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                       traceback=["\x1b[31mZeroDivisionError\x1b[0m: division by zero"])]})
    notebook = nbformat.read(executed, as_version=4)
    notebook.cells.insert(1, new_code_cell('profile = "smoke"', metadata={"tags": ["injected-parameters"]}))
    notebook.cells[-1].execution_count = None
    nbformat.write(notebook, executed)
    run = checks.ChapterRun(folder=executed.parent, wanted={"01_a.ipynb"}, called={"01_a.ipynb": 1.0})
    return run, committed


def outcome(run, path, number):
    try:
        checks.check_cell(run, checks.CellRef(path, number))
    except (pytest.fail.Exception, pytest.skip.Exception) as raised:
        return type(raised).__name__, str(raised)
    return "passed", ""


def test_a_cell_fails_on_an_error_or_a_checked_output_and_the_cells_after_an_error_are_skipped(one_run):
    run, path = one_run
    assert [outcome(run, path, number)[0] for number in range(7)] == [
        "passed", "passed", "passed", "passed", "passed", "Failed", "Skipped"]
    kind, message = outcome(run, path, 5)
    assert "01_a.ipynb::Cell 5: Cell execution caused an exception" in message
    assert "ZeroDivisionError: division by zero" in message and "\x1b" not in message
    assert "01_a.ipynb::Cell 5 stopped the chapter" in outcome(run, path, 6)[1]


def test_a_checked_output_that_differs_fails(tmp_path):
    committed = code_notebook(tmp_path / "notebooks" / "01_a.ipynb", "# NBVAL_CHECK_OUTPUT\nprint(3)",
                              outputs={1: [stdout("3\n")]})
    code_notebook(tmp_path / "run" / "01_a.ipynb", "# NBVAL_CHECK_OUTPUT\nprint(3)", outputs={1: [stdout("4\n")]})
    run = checks.ChapterRun(folder=tmp_path / "run", wanted={"01_a.ipynb"}, called={"01_a.ipynb": 1.0})
    kind, message = outcome(run, committed, 1)
    assert kind == "Failed" and "Cell outputs differ" in message and "-3" in message and "+4" in message


def test_a_chapter_that_did_not_run_fails_its_cells_and_unsupported_markers_fail(tmp_path):
    committed = code_notebook(tmp_path / "notebooks" / "01_a.ipynb", "print(1)", "# NBVAL_SKIP\nprint(2)",
                              "print(3)", outputs={3: [stdout("3\n")]}, executed=False)
    run = checks.ChapterRun(folder=tmp_path / "run", wanted={"01_a.ipynb"},
                            failure=RuntimeError("kernel died"))
    assert outcome(run, committed, 1) == ("Failed", "01_a.ipynb was not executed: "
                                          "run_notebooks raised RuntimeError('kernel died')")
    assert "NBVAL_SKIP / NBVAL_RAISES_EXCEPTION are not supported" in outcome(run, committed, 2)[1]
    assert "Unrun reference cell has outputs" in outcome(run, committed, 3)[1]


@pytest.mark.slow
def test_run_notebooks_runs_each_selected_chapter_once_and_a_failing_chapter_does_not_stop_the_next(
        no_real_data, monkeypatch):
    """The wrapper around run_notebooks' papermill call, on a project of four tiny chapters."""
    chapters = no_real_data / "notebooks"
    code_notebook(chapters / "01_fails.ipynb", "raise ValueError('boom')", "print('never')", executed=False)
    code_notebook(chapters / "02_prints.ipynb", "# NBVAL_CHECK_OUTPUT\nprint(6 * 7)", executed=False)
    code_notebook(chapters / "03_unselected.ipynb", "print(0)", executed=False)
    code_notebook(chapters / "04_slow.ipynb", "import time\ntime.sleep(30)", executed=False)
    monkeypatch.setattr(checks, "CELL_TIMEOUT_S", 2)
    run = checks.run_chapters(no_real_data / "run" / "notebooks",
                              {"01_fails.ipynb", "02_prints.ipynb", "04_slow.ipynb"})
    assert set(run.called) == {"01_fails.ipynb", "02_prints.ipynb", "04_slow.ipynb"}
    assert set(run.errors) == {"01_fails.ipynb", "04_slow.ipynb"}
    assert not (run.folder / "03_unselected.ipynb").exists()
    cells = checks.code_cells(run.folder / "02_prints.ipynb")
    assert checks.compare_outputs(cells[1].outputs, [stdout("42\n")]) == ""
    fails, prints, slow = (chapters / name for name in ("01_fails.ipynb", "02_prints.ipynb", "04_slow.ipynb"))
    assert [outcome(run, fails, n)[0] for n in range(3)] == ["passed", "Failed", "Skipped"]
    assert "ValueError: boom" in outcome(run, fails, 1)[1]
    kind, message = outcome(run, slow, 1)
    assert kind == "Failed" and "Timeout of 2 s exceeded" in message, message
    assert run.failure is None


@pytest.mark.slow
def test_in_place_executes_the_committed_chapters_as_written_and_the_export_falls_back_to_them(
        no_real_data, monkeypatch):
    """``report --in-place``: profile through the environment, no injected cell, no papermill
    bookkeeping, run.json beside the chapters; an export without report/build/ finds them."""
    monkeypatch.delenv("FER_PROFILE", raising=False)
    source = "import os\nprint(os.environ.get('FER_PROFILE'), os.environ['FER_FIGURES_DIR'])"
    chapter = code_notebook(no_real_data / "notebooks" / "01_env.ipynb", source, executed=False)
    figures = os.environ["FER_FIGURES_DIR"]
    results = book.run_notebooks(profile="smoke", in_place=True)
    assert [path for path, _ in results] == [chapter]
    executed = nbformat.read(chapter, as_version=4)
    assert [cell.source for cell in executed.cells] == ["profile = None", source]
    assert checks.compare_outputs(executed.cells[1].outputs, [stdout(f"smoke {figures}\n")]) == ""
    assert "papermill" not in executed.metadata
    assert not any({"papermill", "execution"} & set(cell.metadata) for cell in executed.cells)
    record = json.loads((chapter.parent / book.RUN_RECORD).read_text())
    assert record["profile"] == "smoke" and record["synthetic"] is True
    assert "FER_PROFILE" not in os.environ  # the caller's environment is as it was
    assert book.executed_notebooks() == [chapter]  # no report/build/notebooks/: the committed chapters

    build = no_real_data / "report" / "build"
    book.run_notebooks(profile="smoke", output_dir=build / "notebooks")
    built = nbformat.read(build / "notebooks" / chapter.name, as_version=4)
    assert built.cells[-1].outputs[0]["text"] == f"None {build / 'figures'}\n"  # a build keeps its figures apart
    assert os.environ["FER_FIGURES_DIR"] == figures


def test_the_report_of_a_fresh_clone_without_data_builds_the_demo_book_at_smoke_budgets(
        no_real_data, monkeypatch, capsys):
    """README's first command with no dataset: the smoke profile unless one is chosen; a chosen one wins."""
    from fer_utils import cli

    calls = []
    monkeypatch.setattr(book, "run_notebooks", lambda **kwargs: calls.append(kwargs) or [])
    monkeypatch.setattr(book, "export_book", lambda **kwargs: {})
    monkeypatch.delenv("FER_PROFILE", raising=False)
    assert cli.main(["report"]) == 0
    assert calls[-1]["profile"] == "smoke" and "generated demo set" in capsys.readouterr().out
    monkeypatch.setenv("FER_PROFILE", "default")
    assert cli.main(["report"]) == 0
    assert calls[-1]["profile"] == "default"
    assert cli.main(["report", "--in-place", "--export-only"]) == 2
    assert "choose one" in capsys.readouterr().err
