"""Scoring a trained model: predictions and per-class metrics as tidy tables."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from .dataset import FaceDataset
from .labels import DISPLAY_NAMES, NUM_CLASSES
from .pipeline import evaluation_pipeline


def predict_labels(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The most probable emotion for each image."""
    pipeline = evaluation_pipeline(images, np.zeros(len(images), np.int64), batch_size=batch_size)
    probabilities = model.predict(pipeline.map(lambda x, _: x), verbose=0)
    return probabilities.argmax(axis=1)


def majority_accuracy(dataset: FaceDataset, split: str) -> float:
    """Accuracy of always answering ``split``'s most common emotion: the floor any
    network has to beat before its other scores mean anything."""
    counts = dataset.counts()
    return float(counts.loc[split].drop("total").max() / counts.at[split, "total"])


def per_class_scores(true_labels: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """Precision, recall, F1 and support per emotion, plus accuracy and macro averages.

    A class that is never predicted gets precision 0 (scikit-learn's
    ``zero_division=0``), which is what seed 000's disgust row shows.
    """
    precision, recall, f1, support = precision_recall_fscore_support(
        true_labels, predicted, labels=np.arange(NUM_CLASSES), zero_division=0
    )
    table = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(DISPLAY_NAMES, name="emotion"),
    )
    table.loc["macro avg"] = [precision.mean(), recall.mean(), f1.mean(), support.sum()]
    table.loc["accuracy"] = [np.nan, np.nan, float(np.mean(true_labels == predicted)), support.sum()]
    table["support"] = table["support"].astype(int)
    return table
