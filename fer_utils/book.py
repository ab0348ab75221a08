"""The report: run every chapter, then export them as one book, PDF and HTML.

``run_notebooks`` executes the notebooks in order with papermill into
``report/build/notebooks/`` (injecting ``profile`` and ``data``; a failing cell
stops the run with the notebook and cell named) and records the run in
``report/build/notebooks/run.json``; with ``in_place`` it executes the committed
chapters in ``notebooks/`` themselves. ``export_book`` merges the executed chapters into one
notebook (``book_notebook``) and writes

* ``report/build/<name>.html``: one self-contained page (template
  ``report/templates/book_html``);
* ``report/build/<name>.pdf``: nbconvert's LaTeX exporter with the template
  ``report/templates/book_latex``, compiled by XeLaTeX until the contents
  settle; the LaTeX source and log stay in ``report/build/latex/``.

The book has a title page, contents, one numbered chapter per notebook (its
``# Chapter N. ...`` heading; its ``##`` headings become sections), numbered
figures with captions, the references (``report/references.md``), an
appendix with the solutions to the exercises and one with the environment and
the time each chapter took. Book metadata (title, authors) lives in
``report/book.toml``.

Exercises follow the chapters' conventions: each is a ``### Exercise N.k: title``
markdown cell; a worked answer sits in a ``<details><summary>Solution</summary>
... </details>`` block of a markdown cell, and solution code in a code cell
tagged ``solution``. The chapters of the book keep the exercises (text, the
student's cell and the check cell) but not their solutions: those move to the
appendix "Solutions to the exercises", one section per chapter, with the
solution code's output, and each exercise points to its solution there.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path
from unittest import mock

from fer_utils.config import prefer_onednn
from fer_utils.config import project_root
from fer_utils.config import DATA_ENV, FIGURES_ENV, PROFILE_ENV, active_profile
from fer_utils.machine import environment, git_commit

BOOK_NAME = "fer-report"
RUN_RECORD = "run.json"
"""Beside the executed chapters: profile, data, commit, machine and start of the run that executed them."""
PDF_TOOLS = ("xelatex", "pandoc")
INSTALL_PDF_TOOLS = """\
The PDF needs XeLaTeX and pandoc ({missing} not found); the HTML was written.
Install them, then rebuild with `python -m fer_utils report --export-only`:
  Debian/Ubuntu: sudo apt-get install --no-install-recommends texlive-xetex \\
                 texlive-fonts-recommended texlive-plain-generic lmodern pandoc
  macOS:         brew install --cask mactex-no-gui && brew install pandoc
  Windows:       winget install MiKTeX.MiKTeX  and  winget install JohnMacFarlane.Pandoc
                 (MiKTeX Console > Settings: install missing packages on-the-fly: Always)"""

CHAPTER = re.compile(r"^#\s+(?:Chapter\s+(\d+)\s*[.:]?\s*)?(.+?)\s*$", re.IGNORECASE)
SECTION = re.compile(r"^(#{2,6})\s+(?:\d+(?:\.\d+)*\.?\s+)?(.+?)\s*$")
PLOT_CALL = re.compile(r"\b(plot_\w+)\s*\(")
ERROR_HINT = "see the notebook in report/build/notebooks/"
SOLUTION_TAGS = {"solution", "solutions"}  # a code cell with one of these tags is an exercise's solution
SOLUTIONS_TITLE = "Solutions to the exercises"
# an exercise's heading (``### Exercise 1.2: title``): the title, and its number
EXERCISE = re.compile(r"^#{2,6}[ \t]+(Exercise\b(?:[ \t]+(\d+(?:\.\d+)*))?[^\n]*?)[ \t]*$", re.IGNORECASE | re.M)
# an exercise's heading, or a collapsed solution (<details> whose <summary> says Solution or Answer)
EXERCISE_OR_ANSWER = re.compile(
    EXERCISE.pattern
    + r"|<details\b[^>]*>\s*<summary\b[^>]*>(?P<summary>.*?)</summary>(?P<answer>.*?)</details>[ \t]*\n?",
    re.IGNORECASE | re.M | re.S,
)
SOLUTION_SUMMARY = re.compile(r"\b(solution|answer)s?\b", re.IGNORECASE)
WIDGET_MIME = "application/vnd.jupyter.widget"  # -view+json (a live control), -state+json
# what a widget, a progress bar or an undrawn figure leaves as plain text
WIDGET_TEXT = re.compile(r"^\s*(?:[^\n|]*\d+%\|[^\n]*\|\s*\d+/\d+[^\n]*|<Figure size [\d.]+x[\d.]+ with \d+ Axes>)\s*$")


def report_dir() -> Path:
    return project_root() / "report"


def build_dir() -> Path:
    return report_dir() / "build"


def notebook_paths(folder: Path | None = None) -> list[Path]:
    """The chapters, in the order their numbered names give."""
    folder = folder or committed_dir()
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


# --- running ------------------------------------------------------------------


def run_notebooks(
    profile: str | None = None, data: str | None = None, output_dir: Path | None = None,
    in_place: bool = False,
) -> list[tuple[Path, float]]:
    """Execute every chapter; returns each executed notebook with its run time in seconds.

    The kernels run with oneDNN on (:func:`fer_utils.config.prefer_onednn`) and without
    capturing low-level output, so TensorFlow's C++ start-up notices go to this
    terminal instead of into the chapters. A progress bar (tqdm) counts the chapters.
    The run is recorded in ``run.json`` beside the executed chapters, and the chapters'
    saved figures go to ``figures/`` beside their folder (``report/build/figures/``), so
    that a build, of the demo set say, leaves the repository's figures as they are.

    With ``in_place`` the chapters in ``notebooks/`` themselves are executed: what the
    repository commits. The profile and data then reach the kernels through
    ``$FER_PROFILE`` and ``$FER_DATA`` instead of an injected cell (a cell naming one
    machine's data folder would stop every other reader), and papermill's timings are
    taken out of the notebooks again, so that they stay as they were written; the
    figures go where ``$FER_FIGURES_DIR`` says, by default the committed ``figures/``.
    """
    import papermill  # imported here: the rest of the package does not need Jupyter
    from tqdm.auto import tqdm

    prefer_onednn()

    chosen = active_profile(profile)
    output_dir = Path(committed_dir() if in_place else output_dir or build_dir() / "notebooks")
    output_dir.mkdir(parents=True, exist_ok=True)
    data = str(Path(data).resolve()) if data else None
    parameters = {"profile": chosen.name, "data": data}
    if in_place:
        kernel_environment = {PROFILE_ENV: chosen.name, **({DATA_ENV: data} if data else {})}
        parameters = None
    else:
        kernel_environment = {FIGURES_ENV: str(output_dir.parent / "figures")}
    started = datetime.now().astimezone()
    results = []
    with mock.patch.dict(os.environ, kernel_environment):  # the kernels inherit it; the caller's is restored
        with tqdm(notebook_paths(), desc="chapters", unit="chapter") as chapters:  # one step per chapter
            for notebook in chapters:
                target = output_dir / notebook.name
                chapters.set_postfix_str(notebook.stem)
                tqdm.write(f"running {notebook.name} (profile {chosen.name})")
                clock = time.perf_counter()
                papermill.execute_notebook(
                    notebook,
                    target,
                    parameters=parameters,
                    cwd=notebook.parent,
                    progress_bar=False,
                    extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                )
                if in_place:
                    _without_papermill_metadata(target)
                results.append((target, time.perf_counter() - clock))
                tqdm.write(f"  wrote {target} in {results[-1][1]:.1f} s")
    record = describe_run(chosen.name, data, started)
    (output_dir / RUN_RECORD).write_text(json.dumps(record, indent=2) + "\n")
    return results


def _without_papermill_metadata(path: Path) -> None:
    """Take out what papermill adds to a notebook it executes: its parameters, times and cell states."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
    nbformat.write(notebook, path)


def describe_run(profile: str, data, started: datetime) -> dict:
    """What the title page and the appendix say about a run: data, profile, commit, machine.

    The time each chapter took is in its executed notebook (papermill's metadata).
    """
    from fer_utils.data.discovery import load_dataset

    dataset = load_dataset(data, profile)
    return {
        "profile": profile,
        "dataset": dataset.caption,
        "synthetic": bool(dataset.synthetic),
        "commit": git_commit(),
        "started": started.isoformat(timespec="seconds"),
        "environment": environment(),
    }


# --- merging the chapters into one notebook -----------------------------------


def committed_dir() -> Path:
    """The chapters as the repository holds them: executed, with their outputs."""
    return project_root() / "notebooks"


def executed_notebooks(folder: Path | None = None) -> list[Path]:
    """The executed chapters, in order: those in ``folder``; by default those of the last
    ``report`` in ``report/build/notebooks/``, else the committed ones in ``notebooks/``
    (executed in place with :func:`run_notebooks`; what an export from a fresh clone uses)."""
    if folder is None:
        folder = build_dir() / "notebooks"
        if not notebook_paths(folder):
            print(f"no executed chapters in {folder}: exporting the committed ones in {committed_dir()}",
                  flush=True)
            folder = committed_dir()
    found = notebook_paths(Path(folder))
    if not found:
        raise FileNotFoundError(
            f"no executed notebooks in {folder}; run `python -m fer_utils report` first"
        )
    return found


def plot_captions() -> dict[str, str]:
    """First sentence of each ``figures.plot_*`` docstring: the default figure captions.

    The chapter modules are read as text, so that building the book imports no plotting library.
    """
    captions = {}
    for module in sorted((Path(__file__).parent / "figures").glob("*.py")):
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("plot_"):
                text = " ".join((ast.get_docstring(node) or "").split("\n\n")[0].split())
                text = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)[0].replace("``", "")
                if text:
                    captions[node.name] = text
    return captions


def book_notebook(notebooks: list[Path], run: dict | None = None, latex: bool = False,
                  hide_code: bool = False):
    """All chapters merged into one notebook, ready for nbconvert.

    A chapter keeps the number its ``# Chapter N.`` heading gives (the text
    refers to chapters by number); sections are numbered by the book (LaTeX
    numbers them itself, the HTML gets the same numbers written out); every image becomes a numbered figure with a caption (the
    cell's ``caption`` metadata, else the plotting function's docstring, else
    the section title); papermill's injected-parameters cells (they hold the
    machine's data path) and stderr streams are left out. A cell that raised an
    error stops the export. Exercises keep their text, the student's cell and
    the check cell; their solutions (``<details>`` answers, code cells tagged
    ``solution``) move to the appendix :data:`SOLUTIONS_TITLE`
    (:func:`solutions_appendix`). Outputs of widgets (interactive controls,
    progress bars) are left out: the static figure an interactive cell draws
    first stays. With ``latex``, markdown and HTML tables are converted to LaTeX
    here, in one pandoc call each. With ``hide_code`` (the exporters leave every
    code cell's input out) the solution code is written as text, so that the
    appendix still shows it.
    """
    import nbformat

    captions = plot_captions()
    book = nbformat.v4.new_notebook()
    book.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.metadata.language_info = {"name": "python"}
    toc = []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        number = toc[-1]["number"] + 1 if toc else 1  # unless the heading says otherwise
        chapter = {"number": number, "title": None, "file": path.name, "sections": [], "exercises": [],
                   "seconds": notebook.metadata.get("papermill", {}).get("duration")}
        state = {"counts": [0] * 5, "section": None, "figures": 0, "exercise": None,
                 "has_solutions": any(map(_holds_solution, notebook.cells))}
        for index, cell in enumerate(notebook.cells):
            if "injected-parameters" in cell.metadata.get("tags", []):
                continue
            cell = copy.deepcopy(cell)
            cell.id = f"{path.stem}-{index}"  # unique in the book
            where = f"{path.name}, cell {index}"
            if cell.cell_type == "code" and _is_solution_cell(cell):
                book.cells.extend(_take_solution_cell(cell, chapter, state, latex, where))
                continue
            if cell.cell_type == "markdown":
                cell.source = _take_answers(cell.source, chapter, state, latex)
                cell.source = _number_headings(cell.source, chapter, state, latex)
            elif cell.cell_type == "code":
                cell.outputs = _book_outputs(cell, chapter, state, captions, where)
            book.cells.append(cell)
        if chapter["title"] is None:
            raise ValueError(f"{path.name} has no '# Chapter N. Title' heading")
        toc.append(chapter)
    for chapter in toc:  # the HTML's contents link to the headings' anchors
        chapter["anchor"] = html_anchor(f"# Chapter {chapter['number']}. {chapter['title']}")
        for section in chapter["sections"]:
            section["anchor"] = html_anchor(f"## {section['number']} {section['title']}")
    front = title_page(run or {}, notebooks)
    back = {"cells": [], "contents": []}
    references_chapter(back, latex)
    solutions_appendix(back, toc, captions, latex, hide_code)
    environment_appendix(back, toc, {**(run or {}), **front}, latex)
    book.cells.extend(back["cells"])
    for chapter in toc:
        del chapter["exercises"]  # the cells themselves: in the appendix now
    book.metadata.title = book_settings()["title"]
    book.metadata.book = {**book_settings(), **front, "toc": toc, "back": back["contents"]}
    if latex:
        markdown_to_latex(book)
        tables_to_latex(book)
    return book


def _number_headings(source: str, chapter: dict, state: dict, latex: bool) -> str:
    """The chapter heading and the section headings of one markdown cell, renumbered.

    An exercise's heading (``### Exercise 1.2: ...``) carries its own number and
    gets none from the book. The ``## Exercises`` section says where the solutions are.
    """
    lines, fenced = [], False
    for line in source.splitlines():
        fenced ^= line.lstrip().startswith("```")
        if fenced:
            pass
        elif match := EXERCISE.match(line):
            state["section"] = match.group(1)
            line = f"{line} {{.unnumbered}}" if latex else line
        elif chapter["title"] is None and (match := CHAPTER.match(line)):
            declared, chapter["title"] = match.groups()
            chapter["number"] = int(declared or chapter["number"])
            state["section"] = chapter["title"]
            line = f"\\setcounter{{chapter}}{{{chapter['number'] - 1}}}\n\n# {chapter['title']}" if latex \
                else f"# Chapter {chapter['number']}. {chapter['title']}"
        elif match := SECTION.match(line):
            hashes, title = match.groups()
            level, counts = len(hashes) - 2, state["counts"]  # level 0: ##
            counts[level] += 1
            counts[level + 1:] = [0] * (len(counts) - level - 1)
            number = ".".join(map(str, [chapter["number"], *counts[: level + 1]]))
            state["section"] = title
            if level == 0:
                chapter["sections"].append({"number": number, "title": title})
            line = f"{hashes} {title}" if latex else f"{hashes} {number} {title}"
            if level == 0 and title.strip().lower() == "exercises" and state.get("has_solutions"):
                line += f"\n\n*In this book the solutions are in Appendix A, {SOLUTIONS_TITLE}.*"
        lines.append(line)
    return "\n".join(lines)


# --- exercises: the solutions move to an appendix -----------------------------


def _is_solution_cell(cell) -> bool:
    return bool(SOLUTION_TAGS & set(cell.metadata.get("tags", [])))


def _holds_solution(cell) -> bool:
    if cell.cell_type == "code":
        return _is_solution_cell(cell)
    return cell.cell_type == "markdown" and any(
        match.group("summary") is not None and SOLUTION_SUMMARY.search(match.group("summary"))
        for match in EXERCISE_OR_ANSWER.finditer(cell.source)
    )


def _exercise(chapter: dict, state: dict, heading: str | None = None, number: str | None = None) -> dict:
    """A new exercise of the chapter, current from now on; its solution's heading and anchors."""
    count = len(chapter["exercises"]) + 1
    if heading is None:  # a solution before any exercise heading
        title = f"Solution ({state['section'] or chapter['title']})"
    else:
        title = re.sub(r"^Exercise\b", "Solution", heading, flags=re.IGNORECASE)
    exercise = {"heading": title, "number": number, "parts": [], "pointed": False,
                "label": f"solution-{chapter['number']}-{count}"}
    chapter["exercises"].append(exercise)
    state["exercise"] = exercise
    return exercise


def _pointer(exercise: dict, latex: bool) -> str:
    """Where an exercise's solution is (said once per exercise): a link to the appendix, and in the PDF its page."""
    if exercise["pointed"]:
        return ""
    exercise["pointed"] = True
    name = f"Solution {exercise['number']}" if exercise["number"] else exercise["heading"]
    if latex:
        return (f"*The solution is in Appendix A: [{name}](#{exercise['label']}), "
                f"page \\pageref{{{exercise['label']}}}.*")
    return f"*The solution is in Appendix A: [{name}](#{html_anchor('### ' + exercise['heading'])}).*"


def _take_answers(source: str, chapter: dict, state: dict, latex: bool) -> str:
    """A markdown cell without its collapsed solutions, which go to the current exercise."""
    def take(match):
        if match.group(1) is not None:  # an exercise's heading: the answers that follow are its
            _exercise(chapter, state, match.group(1), match.group(2))
            return match.group(0)
        if not SOLUTION_SUMMARY.search(match.group("summary")):
            return match.group(0)  # a hint, say: it stays
        exercise = state["exercise"] or _exercise(chapter, state)
        exercise["parts"].append({"markdown": match.group("answer").strip("\n")})
        pointer = _pointer(exercise, latex)
        return f"{pointer}\n" if pointer else ""

    return EXERCISE_OR_ANSWER.sub(take, source).rstrip("\n")


def _take_solution_cell(cell, chapter: dict, state: dict, latex: bool, where: str) -> list:
    """A solution code cell goes to the current exercise; in its place, where to find it (once)."""
    import nbformat

    exercise = state["exercise"] or _exercise(chapter, state)
    cell.metadata.pop("jupyter", None)  # source_hidden: JupyterLab's collapsed input
    exercise["parts"].append({"code": cell, "where": where})
    pointer = _pointer(exercise, latex)
    return [nbformat.v4.new_markdown_cell(pointer, id=f"{cell.id}-pointer")] if pointer else []


def _book_outputs(cell, chapter: dict, state: dict, captions: dict, where: str) -> list:
    """A code cell's outputs for the book: no stderr, no progress bars, every image a numbered, captioned figure."""
    outputs = []
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            raise RuntimeError(f"{where}: {output.ename}: {output.evalue} ({ERROR_HINT})")
        if output.output_type == "stream" and output.name == "stderr":
            continue
        if _is_widget(output):
            continue  # a progress bar, an interactive cell's controls: nothing to read on paper
        if {"image/png", "image/jpeg"} & set(output.get("data", {})):
            state["figures"] += 1
            called = PLOT_CALL.search(cell.source)
            output.setdefault("metadata", {})
            output.metadata["caption"] = (
                cell.metadata.get("caption")
                or (called and captions.get(called.group(1)))
                or state["section"] or chapter["title"]
            )
            output.metadata["figure"] = f"Figure {chapter['number']}.{state['figures']}"
        outputs.append(output)
    return outputs


def _is_widget(output) -> bool:
    """Whether an output is a widget (ipywidgets: controls, ``interactive``, tqdm's notebook bar).

    In a live notebook it is drawn by JupyterLab; in the book it would only be its
    text form (``interactive(children=(FloatSlider(...), Output()), ...)``, a bar's
    ``40%|####      | 2/5``), also when the widget's own data was stripped.
    """
    data = output.get("data", {})
    if any(mime.startswith(WIDGET_MIME) for mime in data):
        return True
    if output.output_type not in ("display_data", "execute_result") or set(data) - {"text/plain"}:
        return False
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    name = re.match(r"\s*([A-Za-z_]\w*)\(", text)
    return bool(name and name.group(1) in _widget_names()) or bool(WIDGET_TEXT.match(text))


def _widget_names() -> frozenset[str]:
    """The names of ipywidgets' widget classes (their text form starts with one)."""
    try:
        import ipywidgets
    except ImportError:
        return frozenset({"interactive", "Box", "HBox", "VBox", "GridBox", "Output", "Tab", "Accordion"})
    return frozenset(name for name, value in vars(ipywidgets).items()
                     if isinstance(value, type) and issubclass(value, ipywidgets.Widget))


def html_anchor(heading: str) -> str:
    """The id nbconvert's HTML exporter gives a markdown heading."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    found = re.search(r'id="([^"]*)"', markdown2html_mistune(heading))
    return found.group(1) if found else ""


def book_settings() -> dict:
    with (report_dir() / "book.toml").open("rb") as file:
        return tomllib.load(file)


def title_page(run: dict, notebooks: list[Path]) -> dict:
    """What the title page shows about the run."""
    parameters = {}
    if notebooks:
        import nbformat

        first = nbformat.read(notebooks[0], as_version=4)
        parameters = first.metadata.get("papermill", {}).get("parameters", {})
    started = run.get("started")
    date = datetime.fromisoformat(started) if started else datetime.now()
    return {
        "date": f"{date:%d %B %Y}",
        "profile": run.get("profile") or parameters.get("profile") or "unknown",
        "dataset": run.get("dataset", f"unknown (no {RUN_RECORD} next to the executed notebooks)"),
        "synthetic": run.get("synthetic", False),
        "commit": run.get("commit") or git_commit(),
    }


def _appendix_letter(back: dict) -> str:
    return chr(ord("A") + sum(1 for entry in back["contents"] if entry.get("appendix")))


def _back_heading(back: dict, title: str, latex: bool, appendix: bool = False) -> str:
    """A chapter of the back matter: its heading cell and contents entry; returns an appendix's letter."""
    import nbformat

    letter, anchor = _appendix_letter(back) if appendix else "", ""
    if latex:
        if appendix:  # \appendix once, before the first: the others follow as chapters B, C, ...
            command = (r"\appendix" if letter == "A" else "") + rf"\chapter{{{title}}}"
        else:
            command = rf"\chapter*{{{title}}}\addcontentsline{{toc}}{{chapter}}{{{title}}}\markboth{{{title}}}{{}}"
        cell = nbformat.v4.new_raw_cell(command, metadata={"raw_mimetype": "text/latex"})
    else:  # a markdown heading (the HTML exporter escapes raw HTML cells); its anchor as for the chapters
        heading = f"# Appendix {letter}. {title}" if appendix else f"# {title}"
        cell, anchor = nbformat.v4.new_markdown_cell(heading), html_anchor(heading)
    back["cells"].append(cell)
    back["contents"].append({"anchor": anchor, "appendix": appendix, "sections": [],
                             "label": f"Appendix {letter}. {title}" if appendix else title})
    return letter


def _back_section(back: dict, letter: str, title: str, latex: bool) -> str:
    """An appendix's ``##`` heading, numbered as LaTeX numbers it; listed in the HTML's contents."""
    sections = back["contents"][-1]["sections"]
    number = f"{letter}.{len(sections) + 1}"
    sections.append({"number": number, "title": title, "anchor": html_anchor(f"## {number} {title}")})
    return f"## {title}" if latex else f"## {number} {title}"


def references_chapter(back: dict, latex: bool) -> None:
    """The references (``report/references.md``), an unnumbered chapter."""
    import nbformat

    references = (report_dir() / "references.md").read_text()
    title = re.search(r"^# (.+)$", references, re.M)
    title = title.group(1).strip() if title else "References"
    _back_heading(back, title, latex)
    back["cells"].append(nbformat.v4.new_markdown_cell(re.sub(r"^# .+\n", "", references, flags=re.M)))


def solutions_appendix(back: dict, toc: list[dict], captions: dict, latex: bool, hide_code: bool) -> None:
    """Appendix A (when any chapter has a solution): per chapter and exercise, the worked
    answers and the solution code with its output, as the run left them."""
    import nbformat

    chapters = [chapter for chapter in toc if any(e["parts"] for e in chapter["exercises"])]
    if not chapters:
        return
    new_md = nbformat.v4.new_markdown_cell
    letter = _back_heading(back, SOLUTIONS_TITLE, latex, appendix=True)
    cells = back["cells"]
    cells.append(new_md(
        "The worked answers to the exercises at the end of each chapter, and the solution code with "
        "the output it gave when this book was built. Try an exercise before you read its solution: "
        "in the notebooks the solutions are collapsed, and each code exercise has a check cell that "
        "says whether your own answer is right."
    ))
    appendix = {"number": letter, "title": SOLUTIONS_TITLE}
    state = {"section": SOLUTIONS_TITLE, "figures": 0}
    for chapter in chapters:
        cells.append(new_md(_back_section(back, letter, f"Chapter {chapter['number']}. {chapter['title']}", latex)))
        for exercise in (e for e in chapter["exercises"] if e["parts"]):
            heading = f"### {exercise['heading']}"
            cells.append(new_md(f"{heading} {{#{exercise['label']} .unnumbered}}" if latex else heading))
            state["section"] = exercise["heading"]
            for part in exercise["parts"]:
                if "markdown" in part:
                    cells.append(new_md(part["markdown"]))
                    continue
                cell = part["code"]
                cell.outputs = _book_outputs(cell, appendix, state, captions, part["where"])
                if hide_code:  # the exporter leaves code cells' input out: the code as text, then its output
                    cells.append(new_md(f"```python\n{cell.source}\n```"))
                    if not cell.outputs:
                        continue
                cells.append(cell)


def environment_appendix(back: dict, toc: list[dict], run: dict, latex: bool) -> None:
    """The machine and packages that ran the chapters, and the time each took (``run``: run.json and the title page)."""
    import nbformat

    new_md = nbformat.v4.new_markdown_cell
    env = run.get("environment") or environment()
    escape = lambda text: str(text).replace("|", r"\|").replace("*", r"\*").replace("_", r"\_")
    rows = [("Python", env["python"]), ("platform", env["platform"]), ("CPU", env["cpu"]),
            ("profile", run["profile"]), ("dataset", run["dataset"]), ("commit", run["commit"]),
            ("run started", run.get("started", "unknown"))]
    machine = "| | |\n|:--|:--|\n" + "\n".join(f"| {k} | {escape(v)} |" for k, v in rows)
    total = sum(c["seconds"] or 0 for c in toc)
    seconds = lambda value: "-" if value is None else f"{value:.1f}"
    times = "| chapter | notebook | seconds |\n|:--|:--|--:|\n" + "\n".join(
        f"| {c['number']}. {escape(c['title'])} | {escape(c['file'])} | {seconds(c['seconds'])} |"
        for c in toc
    ) + f"\n| total | | {total:.1f} |"
    packages = "| package | version |\n|:--|:--|\n" + "\n".join(
        f"| {escape(name)} | {escape(version)} |" for name, version in env["packages"].items()
    )
    letter = _back_heading(back, "Environment", latex, appendix=True)
    back["cells"] += [
        new_md("The machine and software that executed the notebooks of this book.\n\n" + machine),
        new_md(_back_section(back, letter, "Time per chapter", latex)
               + "\n\nWall-clock time of each notebook's execution, as measured by the run.\n\n" + times),
        new_md(_back_section(back, letter, "Package versions", latex)
               + "\n\nThe packages `requirements.txt` pins, as installed.\n\n" + packages),
    ]


def pandoc(source: str, from_format: str, extra: tuple[str, ...] = ()) -> str:
    result = subprocess.run(["pandoc", "-f", from_format, "-t", "latex", *extra], input=source,
                            capture_output=True, text=True, encoding="utf-8")
    if result.returncode:
        raise RuntimeError(f"pandoc failed: {result.stderr}")
    return result.stdout


def _batched(texts: list[str], from_format: str, extra=()) -> list[str]:
    """Convert many snippets to LaTeX in one pandoc call (a call per cell would take tens of seconds)."""
    marker = "BOOKSNIPPETBREAK"
    joiner = f"\n\n{marker}\n\n" if from_format.startswith("markdown") else f"\n<p>{marker}</p>\n"
    parts = re.split(rf"^{marker}$", pandoc(joiner.join(texts), from_format, extra), flags=re.M)
    if len(parts) != len(texts):
        raise RuntimeError("pandoc merged or split the book's snippets; cannot place them")
    return [_uncaptioned_tables(part.strip("\n")) for part in parts]


def _uncaptioned_tables(latex: str) -> str:
    """A longtable steps the table counter even without a caption; step it back."""
    return re.sub(
        r"(\\begin\{longtable\}.*?\\end\{longtable\})",
        lambda m: m.group(1) if "\\caption" in m.group(1) else m.group(1) + "\n\\addtocounter{table}{-1}",
        latex, flags=re.S,
    )


def markdown_to_latex(book) -> None:
    """Markdown cells as LaTeX raw cells, converted in one pandoc call.

    Headings become chapters and sections, and pandoc gives repeated headings
    (every chapter's Summary) distinct labels.
    """
    cells = [cell for cell in book.cells if cell.cell_type == "markdown"]
    converted = _batched([cell.source for cell in cells], "markdown+tex_math_double_backslash",
                         ("--top-level-division=chapter",))
    for cell, latex in zip(cells, converted):
        cell.cell_type, cell.metadata["raw_mimetype"] = "raw", "text/latex"
        cell.source = latex
        cell.pop("attachments", None)


def tables_to_latex(book) -> None:
    """HTML tables (pandas DataFrames and Stylers) as LaTeX tables, in one pandoc call."""
    from bs4 import BeautifulSoup

    outputs = [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs
               if "<table" in output.get("data", {}).get("text/html", "")
               and "text/latex" not in output.get("data", {})]
    if not outputs:
        return
    tables = []
    for output in outputs:
        soup = BeautifulSoup(output.data["text/html"], "html.parser")
        for style in soup.find_all("style"):
            style.decompose()
        for table in soup.find_all("table"):
            _fit_columns(table)
        tables.append(str(soup))
    for output, latex in zip(outputs, _batched(tables, "html")):
        output.data["text/latex"] = "{\\small\n" + latex + "\n}"


def _fit_columns(table, line: int = 90) -> None:
    """Give a table too wide for the page column widths, so that its cells wrap.

    A column is as wide as its longest body cell (at most 40 characters), but
    never narrower than its longest word, which cannot wrap (a network's name in
    the index, say); column headings may wrap between words.
    """
    texts = [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
             for row in table.find_all("tr")]
    in_head = [row.find_parent("thead") is not None for row in table.find_all("tr")]
    columns = max((len(row) for row in texts), default=0)
    if sum(max((len(row[i]) for row in texts if i < len(row)), default=1) for i in range(columns)) <= line \
            or any(cell.get("colspan") for cell in table.find_all(["th", "td"])):
        return

    def longest_word(text: str) -> int:
        return max((len(word) for word in text.split()), default=0)

    widths = []
    for i in range(columns):
        cells = [(row[i], head) for row, head in zip(texts, in_head) if i < len(row)]
        body = max((len(text) for text, head in cells if not head), default=0)
        word = max((longest_word(text) for text, _ in cells), default=0)
        widths.append(max(min(body, 40), word, 4))
    colgroup = table.new_tag("colgroup")
    for width in widths:
        colgroup.append(table.new_tag("col", attrs={"width": f"{100 * width / sum(widths):.0f}%"}))
    caption = table.find("caption")
    if caption:
        caption.insert_after(colgroup)
    else:
        table.insert(0, colgroup)


# --- exporting ----------------------------------------------------------------


def missing_pdf_tools() -> list[str]:
    return [tool for tool in PDF_TOOLS if shutil.which(tool) is None]


def export_html(notebooks: list[Path], run: dict, target: Path, hide_code: bool = False) -> Path:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_template_basedirs=[str(report_dir() / "templates")], template_name="book_html",
        exclude_input=hide_code, exclude_output_prompt=hide_code, embed_images=True,
    )
    body, _ = exporter.from_notebook_node(book_notebook(notebooks, run, hide_code=hide_code),
                                          {"metadata": {"name": target.stem}})
    target.write_text(body, encoding="utf-8")
    return target


def export_pdf(notebooks: list[Path], run: dict, target: Path, hide_code: bool = False) -> Path:
    """LaTeX source into ``report/build/latex/``, then XeLaTeX until the contents settle (two passes, one on a re-export)."""
    from nbconvert import LatexExporter

    exporter = LatexExporter(
        extra_template_basedirs=[str(report_dir() / "templates")], template_name="book_latex",
        exclude_input=hide_code, exclude_output_prompt=hide_code,
    )
    latex, resources = exporter.from_notebook_node(
        book_notebook(notebooks, run, latex=True, hide_code=hide_code), {"metadata": {"name": target.stem}}
    )
    folder = target.parent / "latex"
    folder.mkdir(parents=True, exist_ok=True)
    tex = folder / f"{target.stem}.tex"
    keep = {tex.with_suffix(suffix) for suffix in (".aux", ".toc", ".out")}  # a re-export often needs one pass
    for old in folder.iterdir():
        if old not in keep:
            old.unlink()
    for name, content in resources.get("outputs", {}).items():
        (folder / name).write_bytes(content)
    tex.write_text(latex, encoding="utf-8")
    read = lambda path: path.read_bytes() if path.exists() else b""
    for _ in range(3):  # until the contents and cross-references settle, as latexmk does
        before = [read(path) for path in sorted(keep)]
        result = subprocess.run(
            ["xelatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=folder, capture_output=True, text=True, errors="replace",
        )
        if result.returncode:
            for path in keep:  # the next attempt starts clean
                path.unlink(missing_ok=True)
            tail = "\n".join(result.stdout.splitlines()[-25:])
            raise RuntimeError(f"xelatex failed on {tex} (log: {tex.with_suffix('.log')}):\n{tail}")
        if [read(path) for path in sorted(keep)] == before:
            break
    log = tex.with_suffix(".log").read_text(errors="replace")
    missing = sorted(set(re.findall(r"Missing character: There is no (.) ", log)))
    if missing:
        print(f"warning: no glyph for {' '.join(missing)} in the PDF's fonts; they are left out "
              f"(map them in report/templates/book_latex/index.tex.j2)", file=sys.stderr)
    shutil.copyfile(tex.with_suffix(".pdf"), target)
    return target


def export_book(
    name: str = BOOK_NAME, hide_code: bool = False, notebooks_dir: Path | None = None,
    output_dir: Path | None = None,
) -> dict[str, Path | None]:
    """HTML and (when XeLaTeX and pandoc are installed) PDF of the executed chapters."""
    notebooks = executed_notebooks(notebooks_dir)
    output_dir = Path(output_dir or build_dir())
    output_dir.mkdir(parents=True, exist_ok=True)
    manifest = Path(notebooks[0]).parent / RUN_RECORD
    run = json.loads(manifest.read_text()) if manifest.exists() else {}
    written = {"html": export_html(notebooks, run, output_dir / f"{name}.html", hide_code), "pdf": None}
    print(f"wrote {written['html']}", flush=True)
    missing = missing_pdf_tools()
    if missing:
        print(INSTALL_PDF_TOOLS.format(missing=" and ".join(missing)), file=sys.stderr)
    else:
        written["pdf"] = export_pdf(notebooks, run, output_dir / f"{name}.pdf", hide_code)
        print(f"wrote {written['pdf']}", flush=True)
    return written
