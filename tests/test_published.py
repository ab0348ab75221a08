"""The table of published FER-2013 claims: every claim carries its protocol and
source, and this project's measured rows go in beside them with the numbers given."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fer_utils.config import project_root
from fer_utils.faces import reference
from fer_utils.studies import published
from fer_utils.studies.published import CLAIMS, COLUMNS, SUMMARY_COLUMNS, Claim, Measured

PROTOCOL_FIELDS = ("tested_on", "selected_on", "tta", "pretraining", "input_size", "hardware", "epochs")
TEXT_FIELDS = (*PROTOCOL_FIELDS, "name", "source", "finding")


def some_claim(**changes) -> Claim:
    """A valid claim to break one field at a time."""
    return dataclasses.replace(CLAIMS[0], **changes)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda claim: claim.name)
def test_every_claim_has_a_number_a_source_and_every_protocol_field(claim):
    assert 0 < claim.accuracy < 100
    for name in TEXT_FIELDS:
        value = getattr(claim, name)
        assert isinstance(value, str) and value.strip(), (claim.name, name)
    assert type(claim.checked) is bool and type(claim.standard_splits) is bool
    assert claim.checked or claim.finding.startswith("not checked: ")
    assert claim.standard_splits <= (claim.checked and "PrivateTest" in claim.tested_on
                                     and "PrivateTest" not in claim.selected_on)


def test_claims_are_unique_and_cover_the_cases_the_chapter_discusses():
    names = [claim.name for claim in CLAIMS]
    assert len(set(names)) == len(names)
    by_number = {claim.accuracy: claim for claim in CLAIMS}
    assert {73.28, 74.14, 66.0, 79.79, 68.61} <= set(by_number)
    assert by_number[73.28].tested_on.startswith("PublicTest") and "PrivateTest" in by_number[73.28].selected_on
    assert "ImageNet" in by_number[74.14].pretraining and "224" in by_number[74.14].input_size
    assert not by_number[79.79].standard_splits
    assert any(claim.source.startswith("https://github.com/justinshenk/fer") for claim in CLAIMS)


def test_the_claims_table_has_one_row_per_claim_and_every_column():
    table = published.claims_table()
    assert list(table.index) == [claim.name for claim in CLAIMS]
    assert list(table.columns) == ["by", *COLUMNS.values()]
    assert set(SUMMARY_COLUMNS) <= set(table.columns)
    assert table["accuracy (%)"].tolist() == [claim.accuracy for claim in CLAIMS]
    assert (table["95% interval (%)"] == published.NOT_REPORTED).all()
    assert table["checked"].map(type).eq(bool).all()
    assert table["tested on"].tolist() == [claim.tested_on for claim in CLAIMS]


def test_beside_ours_puts_the_projects_rows_first_with_the_given_numbers():
    ours = {"recipe run": Measured(0.6123, (0.5962, 0.6281), data="FER-2013 (image folders)", epochs=24),
            "plain number": 0.5}
    table = published.beside_ours(ours)
    assert list(table.index[:2]) == ["recipe run", "plain number"]
    assert list(table.index[2:]) == [claim.name for claim in CLAIMS]
    row = table.loc["recipe run"]
    assert row["by"] == published.PROJECT
    assert row["accuracy (%)"] == pytest.approx(61.23)
    assert row["95% interval (%)"] == "59.6 to 62.8"
    assert row["tested on"] == "PrivateTest of FER-2013 (image folders)"
    assert row["selected on"].startswith("PublicTest")
    assert row["epochs"] == "24"
    assert table.loc["plain number", "accuracy (%)"] == pytest.approx(50.0)
    assert table.loc["plain number", "95% interval (%)"] == "not computed"
    assert (table.loc[[claim.name for claim in CLAIMS], "by"] == published.PUBLISHED).all()


def test_the_reference_models_card_gives_a_measured_row():
    card = reference.card()
    measured = published.from_card(card)
    scores = card["scores"]["PrivateTest"]
    assert measured.accuracy == scores["accuracy"]
    assert measured.interval == tuple(scores["accuracy_ci"])
    assert measured.epochs == card["epochs"] and measured.data == card["data"]["name"]
    table = published.beside_ours({"shipped reference model": measured})
    assert table.loc["shipped reference model", "accuracy (%)"] == pytest.approx(100 * scores["accuracy"])


def test_a_card_without_scores_is_named():
    card = json.loads(json.dumps(reference.card()))
    del card["scores"]["PrivateTest"]
    with pytest.raises(ValueError, match="card.json: no 'PrivateTest' entry"):
        published.from_card(card)


@pytest.mark.parametrize("accuracy, message", [
    (61.2, r"not a fraction in \[0, 1\] \(pass 0.612 for 61.2%\)"),
    (-0.1, "not a fraction"),
    (True, "not a fraction"),
    ("0.6", "not a fraction"),
])
def test_a_measured_accuracy_must_be_a_fraction(accuracy, message):
    with pytest.raises(ValueError, match=message):
        Measured(accuracy)


@pytest.mark.parametrize("interval", [(0.62, 0.7), (0.5, 0.55), (0.7, 0.5), (0.5,), "wide", (0.5, 1.2)])
def test_an_interval_must_hold_the_accuracy(interval):
    with pytest.raises(ValueError, match="interval"):
        Measured(0.6, interval)


@pytest.mark.parametrize("changes, message", [
    ({"epochs": 0}, "epochs"), ({"epochs": 2.5}, "epochs"), ({"tta": ""}, "tta"), ({"data": None}, "data"),
])
def test_bad_measured_settings_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        Measured(0.6, **changes)


@pytest.mark.parametrize("measured, error, message", [
    ({}, ValueError, "nothing measured"),
    ([0.6], TypeError, "must map a row name"),
    ({"run": "60%"}, TypeError, "'run' must be a Measured or a fraction"),
    ({"": 0.6}, ValueError, "row name"),
    ({CLAIMS[0].name: 0.6}, ValueError, "published claim's name"),
    ({"run": 60.0}, ValueError, "pass 0.6 for 60%"),
])
def test_bad_arguments_to_beside_ours_give_clear_errors(measured, error, message):
    with pytest.raises(error, match=message):
        published.beside_ours(measured)


@pytest.mark.parametrize("changes, error, message", [
    ({"accuracy": 100.0}, ValueError, "percentage"),
    ({"accuracy": 0.0}, ValueError, "percentage"),
    ({"checked": "yes"}, TypeError, "checked must be True or False"),
    ({"standard_splits": 1}, TypeError, "standard_splits"),
    ({"source": " "}, ValueError, "source is empty"),
    ({"checked": False, "finding": "looked fine"}, ValueError, "must start with 'not checked: '"),
])
def test_a_malformed_claim_is_refused(changes, error, message):
    with pytest.raises(error, match=message):
        some_claim(**changes)


def test_claims_table_refuses_what_is_not_a_claim():
    with pytest.raises(TypeError, match="Claim objects"):
        published.claims_table([CLAIMS[0], {"name": "x"}])
    with pytest.raises(ValueError, match="no claims"):
        published.claims_table([])


def test_docs_recipes_lists_every_claim_with_its_number_and_splits():
    lines = (project_root() / "docs" / "recipes.md").read_text().splitlines()
    for claim in CLAIMS:
        rows = [line for line in lines if line.startswith(f"| {claim.name} |")]
        assert len(rows) == 1, claim.name
        cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
        assert cells[1:4] == [f"{claim.accuracy:g}", claim.tested_on, claim.selected_on], claim.name
        assert cells[-1] == ("yes" if claim.checked else "no"), claim.name
