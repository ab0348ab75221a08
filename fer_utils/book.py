"""The report: run every chapter, then export them as one book, PDF and HTML.

``run_notebooks`` executes the notebooks in order with papermill into
``report/build/notebooks/`` (injecting ``profile`` and ``data``; a failing cell
stops the run with the notebook and cell named) and records the run in
``report/build/run.json``. ``export_book`` merges the executed chapters into one
notebook (``book_notebook``) and writes

* ``report/build/<name>.html``: one self-contained page (template
  ``report/templates/book_html``);
* ``report/build/<name>.pdf``: nbconvert's LaTeX exporter with the template
  ``report/templates/book_latex``, compiled by XeLaTeX until the contents
  settle; the LaTeX source and log stay in ``report/build/latex/``.

The book has a title page, contents, one numbered chapter per notebook (its
``# Chapter N. ...`` heading; its ``##`` headings become sections), numbered
figures with captions, the references (``report/references.md``) and an
appendix with the environment and the time each chapter took. Book metadata
(title, authors) lives in ``report/book.toml``.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import tomllib
from datetime import datetime
from importlib import metadata
from pathlib import Path

from fer_utils.config import prefer_onednn
from fer_utils.config import project_root
from fer_utils.config import active_profile

BOOK_NAME = "fer-report"
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


def report_dir() -> Path:
    return project_root() / "report"


def build_dir() -> Path:
    return report_dir() / "build"


def notebook_paths(folder: Path | None = None) -> list[Path]:
    """The chapters, in the order their numbered names give."""
    folder = folder or project_root() / "notebooks"
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


# --- running ------------------------------------------------------------------


def run_notebooks(
    profile: str | None = None, data: str | None = None, output_dir: Path | None = None
) -> list[tuple[Path, float]]:
    """Execute every chapter; returns each executed notebook with its run time in seconds.

    The kernels run with oneDNN on (:func:`fer_utils.prefer_onednn`) and without
    capturing low-level output, so TensorFlow's C++ start-up notices go to this
    terminal instead of into the chapters.
    """
    import papermill  # imported here: the rest of the package does not need Jupyter

    prefer_onednn()

    chosen = active_profile(profile)
    output_dir = Path(output_dir or build_dir() / "notebooks")
    output_dir.mkdir(parents=True, exist_ok=True)
    data = str(Path(data).resolve()) if data else None
    started = datetime.now().astimezone()
    results = []
    for notebook in notebook_paths():
        target = output_dir / notebook.name
        print(f"running {notebook.name} (profile {chosen.name})", flush=True)
        clock = time.perf_counter()
        papermill.execute_notebook(
            notebook,
            target,
            parameters={"profile": chosen.name, "data": data},
            cwd=notebook.parent,
            progress_bar=False,
            extra_arguments=["--IPKernelApp.capture_fd_output=False"],
        )
        results.append((target, time.perf_counter() - clock))
        print(f"  wrote {target} in {results[-1][1]:.1f} s", flush=True)
    record = describe_run(chosen.name, data, started)
    (output_dir.parent / "run.json").write_text(json.dumps(record, indent=2))
    return results


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


def executed_notebooks(folder: Path | None = None) -> list[Path]:
    """The executed chapters in ``report/build/notebooks/``, in order."""
    folder = Path(folder or build_dir() / "notebooks")
    found = notebook_paths(folder)
    if not found:
        raise FileNotFoundError(
            f"no executed notebooks in {folder}; run `python -m fer_utils report` first"
        )
    return found


def plot_captions() -> dict[str, str]:
    """First sentence of each ``plots.plot_*`` docstring: the default figure captions."""
    tree = ast.parse((Path(__file__).parent / "plots.py").read_text())
    captions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("plot_"):
            text = " ".join((ast.get_docstring(node) or "").split("\n\n")[0].split())
            text = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)[0].replace("``", "")
            if text:
                captions[node.name] = text
    return captions


def book_notebook(notebooks: list[Path], run: dict | None = None, latex: bool = False):
    """All chapters merged into one notebook, ready for nbconvert.

    A chapter keeps the number its ``# Chapter N.`` heading gives (the text
    refers to chapters by number); sections are numbered by the book (LaTeX
    numbers them itself, the HTML gets the same numbers written out); every image becomes a numbered figure with a caption (the
    cell's ``caption`` metadata, else the plotting function's docstring, else
    the section title); papermill's injected-parameters cells (they hold the
    machine's data path) and stderr streams are left out. A cell that raised an
    error stops the export. With ``latex``, markdown and HTML tables are
    converted to LaTeX here, in one pandoc call each.
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
        chapter = {"number": number, "title": None, "file": path.name, "sections": [],
                   "seconds": notebook.metadata.get("papermill", {}).get("duration")}
        state = {"counts": [0] * 5, "section": None, "figures": 0}
        for index, cell in enumerate(notebook.cells):
            if "injected-parameters" in cell.metadata.get("tags", []):
                continue
            cell = copy.deepcopy(cell)
            if cell.cell_type == "markdown":
                cell.source = _number_headings(cell.source, chapter, state, latex)
            elif cell.cell_type == "code":
                cell.outputs = _book_outputs(cell, chapter, state, captions, f"{path.name}, cell {index}")
            cell.id = f"{path.stem}-{index}"  # unique in the book
            book.cells.append(cell)
        if chapter["title"] is None:
            raise ValueError(f"{path.name} has no '# Chapter N. Title' heading")
        toc.append(chapter)
    for chapter in toc:  # the HTML's contents link to the headings' anchors
        chapter["anchor"] = html_anchor(f"# Chapter {chapter['number']}. {chapter['title']}")
        for section in chapter["sections"]:
            section["anchor"] = html_anchor(f"## {section['number']} {section['title']}")
    front = title_page(run or {}, notebooks)
    book.cells.extend(back_matter(toc, {**(run or {}), **front}, latex))
    book.metadata.title = book_settings()["title"]
    book.metadata.book = {**book_settings(), **front, "toc": toc}
    if latex:
        markdown_to_latex(book)
        tables_to_latex(book)
    return book


def _number_headings(source: str, chapter: dict, state: dict, latex: bool) -> str:
    """The chapter heading and the section headings of one markdown cell, renumbered."""
    lines, fenced = [], False
    for line in source.splitlines():
        fenced ^= line.lstrip().startswith("```")
        if fenced:
            pass
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
        lines.append(line)
    return "\n".join(lines)


def _book_outputs(cell, chapter: dict, state: dict, captions: dict, where: str) -> list:
    """A code cell's outputs for the book: no stderr, every image a numbered, captioned figure."""
    outputs = []
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            raise RuntimeError(f"{where}: {output.ename}: {output.evalue} ({ERROR_HINT})")
        if output.output_type == "stream" and output.name == "stderr":
            continue
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
        "dataset": run.get("dataset", "unknown (no run.json next to the executed notebooks)"),
        "synthetic": run.get("synthetic", False),
        "commit": run.get("commit") or git_commit(),
    }


def back_matter(toc: list[dict], run: dict, latex: bool) -> list:
    """The references chapter and the environment appendix (``run``: run.json and the title page)."""
    import nbformat

    new_md, new_raw = nbformat.v4.new_markdown_cell, nbformat.v4.new_raw_cell

    def heading(title, anchor, appendix=False):
        if latex:
            command = rf"\appendix\chapter{{{title}}}" if appendix else \
                rf"\chapter*{{{title}}}\addcontentsline{{toc}}{{chapter}}{{{title}}}\markboth{{{title}}}{{}}"
            return new_raw(command, metadata={"raw_mimetype": "text/latex"})
        label = "Appendix A. " if appendix else ""
        return new_raw(f'<h1 id="{anchor}">{label}{title}</h1>', metadata={"raw_mimetype": "text/html"})

    references = (report_dir() / "references.md").read_text()
    title = re.search(r"^# (.+)$", references, re.M)
    title = title.group(1).strip() if title else "References"
    cells = [heading(title, "references"), new_md(re.sub(r"^# .+\n", "", references, flags=re.M))]

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
    cells += [
        heading("Environment", "environment", appendix=True),
        new_md("The machine and software that executed the notebooks of this book.\n\n" + machine),
        new_md(("## Time per chapter" if latex else "## A.1 Time per chapter")
               + "\n\nWall-clock time of each notebook's execution, as measured by the run.\n\n"
               + times),
        new_md(("## Package versions" if latex else "## A.2 Package versions")
               + "\n\nThe packages `requirements.txt` pins, as installed.\n\n" + packages),
    ]
    return cells


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
    body, _ = exporter.from_notebook_node(book_notebook(notebooks, run), {"metadata": {"name": target.stem}})
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
        book_notebook(notebooks, run, latex=True), {"metadata": {"name": target.stem}}
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
    manifest = Path(notebooks[0]).parent.parent / "run.json"
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
