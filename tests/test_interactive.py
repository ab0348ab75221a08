"""The interactive cells' helper: a static figure first, then controls that redraw it."""

import ipywidgets
import matplotlib.pyplot as plt
from IPython.display import display  # noqa: F401  (patched below)

from fer_utils.figures import interactive


def test_explore_shows_the_starting_figure_then_controls_that_redraw(monkeypatch):
    shown, calls = [], []
    monkeypatch.setattr(interactive, "display", shown.append)

    def draw(width, kind):
        calls.append((width, kind))
        fig, ax = plt.subplots()
        ax.set_title(f"{kind} {width}")
        return fig

    interactive.explore(draw, width=(1, 9, 2), kind=["box", "cross"])
    assert calls == [(5, "box")]
    static, panel = shown
    assert isinstance(static, plt.Figure) and static.axes[0].get_title() == "box 5"
    assert isinstance(panel, ipywidgets.interactive)
    panel.children[0].value = 7  # a student moves the slider
    panel.update()
    assert calls[-1] == (7, "box") and isinstance(shown[-1], plt.Figure)
