"""Cells a student can turn: a figure redrawn from sliders, with a static version for the book.

:func:`explore` shows the figure for the starting values first, as an ordinary
output (what the PDF and HTML book show), then the controls; moving one draws
the figure again below them in a live kernel. An executed notebook read without
ipywidgets' front end keeps only the static figure.
"""

from __future__ import annotations

from typing import Callable

import ipywidgets
import matplotlib.pyplot as plt
from IPython.display import display


def explore(draw: Callable[..., plt.Figure], **controls) -> None:
    """Display ``draw(**start)`` now, and controls that call ``draw`` again.

    ``controls`` maps each keyword of ``draw`` to an ipywidgets control, or to an
    abbreviation ``ipywidgets.interact`` understands (``(0.0, 1.0, 0.1)`` for a
    slider, a list for a menu); the controls' values are the static figure's.
    """
    widgets = {name: control if isinstance(control, ipywidgets.Widget)
               else ipywidgets.interactive.widget_from_abbrev(control) for name, control in controls.items()}
    display(draw(**{name: widget.value for name, widget in widgets.items()}))
    plt.close("all")

    starting = [True]

    def redraw(**values):
        if starting:  # ipywidgets draws once on creation: the static figure above already shows that
            starting.clear()
            return
        display(draw(**values))
        plt.close("all")

    display(ipywidgets.interactive(redraw, **widgets))
