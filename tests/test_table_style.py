"""figures.styled / figures.captioned: a table's text form is the table, formatted as shown."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import PlainTextFormatter

from fer_utils import figures
from fer_utils.studies import recipes

DEMO = SimpleNamespace(caption="demo faces (synthetic demo data)", synthetic=True)


def searches() -> pd.DataFrame:
    return pd.DataFrame(
        {"strategy": ["bayesian", "grid"], "best val_loss": [1.81234, np.nan], "train s": [878.385, 12.4],
         "images": [28709, 3589]},
        index=pd.Index(["bayesian", "grid"], name="search"),
    )


def test_text_is_the_formatted_table_with_its_caption():
    text = repr(figures.captioned(searches(), DEMO, "Every search", precision=3, formats={"train s": "{:,.0f}"}))
    lines = text.splitlines()
    assert "Styler" not in text
    assert lines[0] == "Every search (data: demo faces (synthetic demo data))"
    assert lines[1].split() == ["strategy", "best", "val_loss", "train", "s", "images"]
    assert lines[3].split() == ["bayesian", "bayesian", "1.812", "878", "28,709"]
    assert lines[4].split() == ["grid", "grid", "-", "12", "3,589"]


def test_columns_line_up():
    lines = repr(figures.styled(searches(), precision=3)).splitlines()
    ends = {line.index("878.385") + len("878.385") for line in lines if "878.385" in line}
    assert ends == {line.index("12.400") + len("12.400") for line in lines if "12.400" in line}


def test_a_notebook_shows_the_text_and_keeps_the_html():
    table = figures.captioned(searches(), DEMO, "Every search", precision=3)
    assert PlainTextFormatter()(table) == repr(table)
    html = table._repr_html_()
    assert "<caption>Every search (data: demo faces (synthetic demo data))</caption>" in html
    assert "1.812" in html and "28,709" in html


def test_chained_formats_keep_the_text_form():
    table = figures.captioned(searches(), DEMO, "Every search").format({"best val_loss": "{:.2f}"}, na_rep="n/a")
    assert isinstance(table, figures.Table)
    assert "1.81" in repr(table) and "n/a" in repr(table)


def test_one_format_for_every_column_and_row_and_column_levels():
    frame = pd.DataFrame(
        [[1.7e-06, 5.4e-16], [8.5e-07, 3.0]],
        index=pd.MultiIndex.from_tuples([("m", "training"), ("m", "inference")], names=["model", "mode"]),
        columns=pd.MultiIndex.from_tuples([("batch norm", "max error"), ("batch norm", "mean")]),
    )
    lines = repr(figures.styled(frame, formats="{:.2g}")).splitlines()
    assert [line.split() for line in lines[-2:]] == [["m", "training", "1.7e-06", "5.4e-16"],
                                                     ["m", "inference", "8.5e-07", "3"]]


def test_a_format_for_a_missing_column_is_refused():
    with pytest.raises(KeyError, match="no column 'seconds'"):
        figures.styled(searches(), formats={"seconds": "{:.0f}"})


def test_the_ablation_table_shows_the_changes_its_findings_quote():
    """Chapter 10's table and the sentences under it: the same signed numbers."""
    table = recipes.ablation_table({
        recipes.FULL: {"PublicTest accuracy": 0.600, "PrivateTest accuracy": 0.610},
        "- random crops": {"PublicTest accuracy": 0.62508, "PrivateTest accuracy": 0.600},
        "+ mixup": {"PublicTest accuracy": 0.5712, "PrivateTest accuracy": 0.580},
    })
    faces = SimpleNamespace(caption="demo", synthetic=True,
                            arrays=lambda split: (None, np.zeros(3589 if split == "validation" else 0, int)))
    findings = " ".join(recipes.ablation_findings(table, faces))
    text = repr(figures.styled_ablation(table, faces, "Ablation")).splitlines()
    for row, how in (("- random crops", "without"), ("+ mixup", "with")):
        shown = next(line for line in text if line.startswith(row))[len(row):].split()
        public_change = shown[2]
        assert public_change == f"{table.at[row, recipes.CHANGE_COLUMNS['PublicTest']]:+.1f}"
        assert f"({how} it {public_change} points)" in findings


def test_styled_ablation_refuses_another_table():
    with pytest.raises(ValueError, match="not an ablation table"):
        figures.styled_ablation(searches(), DEMO, "Every search")
