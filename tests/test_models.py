"""The registered networks: seed 000's baseline layer by layer, raw-pixel inputs, label names, the catalogue."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from fer_utils.data.labels import EMOTIONS
from fer_utils.nets.registry import MODELS, build_model, model_catalogue
from fer_utils.nets.plain import baseline_cnn
from fer_utils.nets.parts import label_names
from fer_utils.nets.measure import layer_table

SEED_000_FIG_13 = [
    # (layer kind, output shape, parameters), as in seed 000's Fig. 13
    ("Conv2D", (48, 48, 32), 320), ("BatchNormalization", (48, 48, 32), 128),
    ("Conv2D", (48, 48, 64), 18_496), ("BatchNormalization", (48, 48, 64), 256),
    ("MaxPooling2D", (24, 24, 64), 0), ("Dropout", (24, 24, 64), 0),
    ("Conv2D", (24, 24, 64), 36_928), ("BatchNormalization", (24, 24, 64), 256),
    ("MaxPooling2D", (12, 12, 64), 0), ("Dropout", (12, 12, 64), 0),
    ("Conv2D", (12, 12, 128), 73_856), ("BatchNormalization", (12, 12, 128), 512),
    ("Conv2D", (12, 12, 128), 147_584), ("BatchNormalization", (12, 12, 128), 512),
    ("MaxPooling2D", (6, 6, 128), 0), ("Dropout", (6, 6, 128), 0),
    ("Flatten", (4608,), 0), ("Dense", (128,), 589_952), ("Dense", (7,), 903),
]


def test_baseline_matches_seed_000_layer_by_layer():
    model = baseline_cnn()
    table = layer_table(model)
    assert list(table["kind"].iloc[[0, -1]]) == ["Rescaling", "EmotionProbabilities"]  # no parameters
    assert list(table.iloc[1:-1].itertuples(index=False, name=None)) == SEED_000_FIG_13
    assert model.count_params() == 869_703 == sum(count for *_, count in SEED_000_FIG_13)


def test_baseline_dense_width_and_dropout_are_parameters():
    def head(units):  # only the two dense layers depend on the first one's width
        return (4608 * units + units) + (units * 7 + 7)

    wider = baseline_cnn(dense_units=256, dense_dropout=0.25)
    assert wider.count_params() == 869_703 - head(128) + head(256)
    assert sum(type(layer).__name__ == "Dropout" for layer in wider.layers) == 4


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.filterwarnings("ignore:resnet_transfer. no ImageNet weights:UserWarning")  # tested in test_networks
def test_every_model_takes_raw_pixels_and_names_its_seven_outputs(name):
    model = build_model(name)
    probabilities = model.predict(np.full((2, 48, 48, 1), 255.0, np.float32), verbose=0)
    assert probabilities.shape == (2, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert label_names(model) == EMOTIONS


def test_unknown_model_names_the_choices():
    with pytest.raises(ValueError, match="unknown model 'vgg'; choose one of baseline_cnn, small_cnn"):
        build_model("vgg")


def test_catalogue_and_models_command_list_every_network():
    catalogue = model_catalogue()
    assert list(catalogue.index) == list(MODELS)
    assert catalogue.at["baseline_cnn", "parameters"] == 869_703
    listed = subprocess.run(
        [sys.executable, "-m", "fer_utils", "models", "--json"], capture_output=True, text=True, check=True
    )
    rows = json.loads(listed.stdout)
    assert {row["model"]: row["parameters"] for row in rows} == catalogue["parameters"].to_dict()
