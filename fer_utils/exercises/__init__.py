"""The chapters' exercises: one module per chapter (``ch01`` ... ``ch10``) holding
the checks that say whether a student's answer is right.

Every chapter ends with exercises. A code exercise has three cells: the
student's cell (a stub to fill in), the worked solution (tagged ``solution``,
its source collapsed in JupyterLab and moved to the book's solutions appendix),
and a check cell that calls this package. A check raises :class:`WrongAnswer`
with a hint when the answer is wrong and returns a :class:`Verdict` that prints
one line when it is right. The test suite executes the chapters with their
solutions, so every exercise is proven solvable and every check passes on its
solution; the unit tests also feed the checks wrong answers, so each can fail.
"""

from __future__ import annotations

from dataclasses import dataclass


class WrongAnswer(AssertionError):
    """A student's answer is not right yet; the message says what differs."""


@dataclass(frozen=True)
class Verdict:
    """A passed check: which exercise, and what was compared."""

    exercise: str
    detail: str

    def __repr__(self) -> str:
        return f"Exercise {self.exercise}: right. {self.detail}"


def require(condition: bool, exercise: str, hint: str) -> None:
    """Raise :class:`WrongAnswer` for ``exercise`` with ``hint`` unless ``condition`` holds."""
    if not condition:
        raise WrongAnswer(f"Exercise {exercise}: not yet. {hint}")
