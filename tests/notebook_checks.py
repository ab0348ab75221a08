"""The chapters are executed once per test run, and that one run serves both the
per-cell checks nbval used to make and the smoke-profile book (nbval itself is no
longer run: its plugin stays installed for `pytest --nbval-lax notebooks/...` by hand).

Why this design (and not nbval plus a second run for the book)
--------------------------------------------------------------
The book has to be built from notebooks executed by ``fer_utils.book.run_notebooks``:
that is the code path ``python3 tasks.py report`` takes (papermill, injected
``profile``/``data`` parameters, per-chapter times, ``run.json``), and the book
reads papermill's metadata. nbval executes the cells through its own kernel
client and keeps no executed notebook, so reusing its run would need a
reconstructed notebook and would leave ``run_notebooks`` untested. The other way
round is simple: run the chapters once with ``run_notebooks`` into a temporary
folder, then check the executed notebooks the way ``pytest --nbval-lax`` checked
them, one test per code cell (``02_augmentation.ipynb::Cell 3``, counting code
cells from 0 as nbval does):

* a cell that raised fails, with its traceback;
* a cell whose source says ``# NBVAL_CHECK_OUTPUT`` (or tagged
  ``nbval-check-output``) must give the committed outputs, compared as nbval
  does: streams of one name merged, ``\\r``/``\\b`` applied, every MIME type but
  images compared, metadata and execution counts ignored (the markers are read
  with nbval's own functions, so ``NBVAL_IGNORE_OUTPUT`` and tags work as there);
* a committed cell that was never run must not carry outputs;
* each cell runs under a time limit (nbval's ``--nbval-cell-timeout`` was 900 s).

Two deliberate differences from nbval, both from papermill: a notebook stops at
its first failing cell (the cells after it are reported as skipped, naming the
failing one), and ``NBVAL_SKIP``/``NBVAL_RAISES_EXCEPTION`` cannot be honoured
(papermill runs every cell and treats any exception as a failure), so a cell
carrying either fails with that explanation. A chapter that fails does not stop
the next one: each is executed and checked on its own, as with nbval.

Only the chapters a pytest run selected are executed (``-k 02_augmentation``
runs one); the book test selects them all. For the one ``run_notebooks`` call,
``papermill.execute_notebook`` is wrapped: it adds the cell time limit, records
a chapter's exception and lets the run carry on with the next chapter, and
leaves out the chapters no selected test needs. Should ``run_notebooks`` stop
calling it that way, every chapter's tests fail saying so: the wrapper can make
the checks stricter or fail them, never skip them silently.
"""

from __future__ import annotations

import copy
import difflib
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import coalesce_streams, find_comment_markers, find_metadata_tags

from fer_utils import book

CELL_TIMEOUT_S = 900
"""Seconds one cell may run (what ``--nbval-cell-timeout`` gave nbval)."""
PROFILE = "smoke"
SKIP_COMPARE = {  # nbval's IPyNbFile.skip_compare (without --nbdime)
    "metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
    "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg",
}
PAPERMILL_CELLS = {"injected-parameters", "papermill-error-cell-tag"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --- collection: one test per code cell of the committed chapters ------------------


@dataclass(frozen=True)
class CellRef:
    """A code cell of a committed chapter: the notebook and nbval's cell number."""

    path: Path
    number: int

    @property
    def id(self) -> str:
        return f"{self.path.name}::Cell {self.number}"


def committed_cells(notebooks: list[Path]) -> list[CellRef]:
    return [CellRef(path, number) for path in notebooks for number in range(len(code_cells(path)))]


@cache
def code_cells(path: Path) -> list:
    """The code cells of a notebook as committed (or as executed, papermill's own cells left out)."""
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"
            and not PAPERMILL_CELLS & set(cell.metadata.get("tags", []))]


def cell_options(cell) -> dict:
    """nbval's reading of a cell's markers: comments win over tags, as in nbval."""
    options = defaultdict(bool, find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    options.setdefault("check", False)  # --nbval-lax: only the marked cells are compared
    return options


# --- the one run -----------------------------------------------------------------------


@dataclass
class ChapterRun:
    """What one ``run_notebooks`` call left: the executed chapters and what went wrong."""

    folder: Path
    wanted: set[str]
    called: dict[str, float] = field(default_factory=dict)  # chapter -> seconds papermill took
    errors: dict[str, BaseException] = field(default_factory=dict)  # chapter -> papermill's exception
    failure: BaseException | None = None  # run_notebooks' own exception, if it raised

    def executed(self, name: str) -> Path:
        """The executed chapter, or a failure saying why there is none."""
        path = self.folder / name
        if name not in self.called or not path.exists():
            why = f"run_notebooks raised {self.failure!r}" if self.failure else (
                "run_notebooks did not pass it to papermill.execute_notebook "
                "(has fer_utils.book.run_notebooks changed? see tests/notebook_checks.py)")
            pytest.fail(f"{name} was not executed: {why}", pytrace=False)
        return path


def run_chapters(output_dir: Path, wanted: set[str]) -> ChapterRun:
    """``book.run_notebooks(profile="smoke")`` into ``output_dir``, once, for the chapters in ``wanted``.

    papermill.execute_notebook is wrapped for the call: it adds the cell time
    limit, records a chapter's exception instead of stopping the run (papermill
    has written the notebook up to the failing cell by then) and leaves out the
    chapters no selected test needs.
    """
    import papermill

    run = ChapterRun(folder=output_dir, wanted=wanted)
    execute = papermill.execute_notebook

    def execute_one(input_path, output_path, *args, **kwargs):
        name = Path(input_path).name
        if name not in wanted:
            print(f"  {name} not selected in this pytest run: not executed", flush=True)
            return None
        kwargs.setdefault("execution_timeout", CELL_TIMEOUT_S)
        clock = time.perf_counter()
        try:
            return execute(input_path, output_path, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - reported by the cell tests of that chapter
            run.errors[name] = error
            return None
        finally:
            run.called[name] = time.perf_counter() - clock

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(papermill, "execute_notebook", execute_one)
        try:
            book.run_notebooks(profile=PROFILE, output_dir=output_dir)
        except Exception as error:  # noqa: BLE001 - each chapter's tests say what it means for them
            run.failure = error
    return run


# --- the checks of one cell --------------------------------------------------------


def check_cell(run: ChapterRun, ref: CellRef) -> None:
    """Fail, or skip, the way nbval-lax would for this cell (see the module docstring)."""
    committed = code_cells(ref.path)[ref.number]
    options = cell_options(committed)
    unsupported = [marker for marker in ("skip", "check_exception") if options[marker]]
    if unsupported:
        pytest.fail(f"{ref.id}: NBVAL_SKIP / NBVAL_RAISES_EXCEPTION are not supported: the chapters run "
                    "with papermill (fer_utils.book.run_notebooks), which runs every cell and stops at "
                    "any exception", pytrace=False)
    if committed.execution_count is None and committed.outputs:
        pytest.fail(f"{ref.id}: Unrun reference cell has outputs", pytrace=False)

    executed_path = run.executed(ref.path.name)
    cells = code_cells(executed_path)
    if [cell.source for cell in cells] != [cell.source for cell in code_cells(ref.path)]:
        pytest.fail(f"{executed_path} does not hold the committed cells of {ref.path.name}", pytrace=False)
    stop = stopping_cell(cells)
    if stop is not None and ref.number > stop:
        pytest.skip(f"not run: {ref.path.name}::Cell {stop} stopped the chapter")
    cell = cells[ref.number]
    errors = [output for output in cell.outputs if output.output_type == "error"]
    if errors:
        traceback = ANSI.sub("", "\n".join(errors[0].get("traceback", [])))
        what = "Cell execution caused an exception"
        if errors[0].get("ename") == "KeyboardInterrupt":  # how nbclient stops a cell at the limit
            what = f"Timeout of {CELL_TIMEOUT_S} s exceeded executing cell (KeyboardInterrupt)"
        pytest.fail(f"{ref.id}: {what}\n\nInput:\n{cell.source}\n\n"
                    f"Traceback:\n{traceback}\n(executed notebook: {executed_path})", pytrace=False)
    if ref.number == stop:
        error = run.errors.get(ref.path.name) or run.failure
        pytest.fail(f"{ref.id}: the cell did not finish: {error!r}\n\nInput:\n{cell.source}\n"
                    f"(executed notebook: {executed_path})", pytrace=False)
    if options["check"] and committed.execution_count is not None:
        differences = compare_outputs(cell.outputs, committed.outputs)
        if differences:
            pytest.fail(f"{ref.id}: Cell outputs differ\n\nInput:\n{cell.source}\n\n{differences}",
                        pytrace=False)


def stopping_cell(cells: list) -> int | None:
    """The first code cell that raised or never finished (papermill stops there), if any."""
    for number, cell in enumerate(cells):
        if not cell.source.strip():  # nbclient leaves empty cells unexecuted
            continue
        if cell.execution_count is None or any(o.output_type == "error" for o in cell.outputs):
            return number
    return None


def compare_outputs(test: list, reference: list) -> str:
    """nbval's comparison of a cell's outputs with the committed ones; "" when they agree.

    Streams of one name are merged (``\\r`` and ``\\b`` applied) and keyed by
    their name; every other field, and each MIME type of ``data``, is compared
    in order, except those in ``SKIP_COMPARE`` (metadata, counts, images).
    """
    flat_test, flat_reference = flatten(test), flatten(reference)
    if set(flat_reference) - set(flat_test):
        return f"Missing output fields from running code: {set(flat_reference) - set(flat_test)}"
    if set(flat_test) - set(flat_reference):
        return f"Unexpected output fields from running code: {set(flat_test) - set(flat_reference)}"
    for key, expected in flat_reference.items():
        got = flat_test[key]
        if len(got) != len(expected):
            return (f"dissimilar number of outputs for key {key!r}\n<<<<<<<<<<<< committed:\n"
                    + "\n".join(map(str, expected)) + "\n============ this run:\n" + "\n".join(map(str, got)))
        for want, have in zip(expected, got):
            if want != have:
                if isinstance(want, str) and isinstance(have, str):
                    diff = difflib.unified_diff(want.splitlines(), have.splitlines(), "committed",
                                                "this run", lineterm="")
                    return f"mismatch {key!r}:\n" + "\n".join(diff)
                return f"mismatch {key!r}:\ncommitted: {want!r}\nthis run:  {have!r}"
    return ""


def flatten(outputs: list) -> dict[str, list]:
    """Outputs as nbval compares them: key (field, MIME type or stream name) -> values in order."""
    flat = defaultdict(list)
    for output in coalesce_streams(copy.deepcopy(list(outputs))):
        if output.output_type == "stream":
            output = {"output_type": "stream", output.name: output.text}
        for key, value in output.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, content in value.items():
                    if mime not in SKIP_COMPARE:
                        flat[mime].append(content)
            else:
                flat[key].append(value)
    return dict(flat)
