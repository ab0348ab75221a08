"""The one label order used everywhere: FER-2013's.

Every loader maps its own labels onto these integers, so a model trained on one
source can be evaluated on another and every table lists the classes in the same
order.
"""

import pandas as pd

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
"""Index i is the integer label i of FER-2013 (0 angry ... 6 neutral)."""

DISPLAY_NAMES = ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")

NUM_CLASSES = len(EMOTIONS)

RAFDB_TO_FER = {1: 5, 2: 2, 3: 1, 4: 3, 5: 4, 6: 0, 7: 6}
"""RAF-DB basic labels (1 surprise, 2 fear, 3 disgust, 4 happiness, 5 sadness,
6 anger, 7 neutral) to FER-2013 integers."""

EMOTION_COLOURS = {
    name: tuple(int(code[i:i + 2], 16) / 255 for i in (1, 3, 5))
    for name, code in zip(DISPLAY_NAMES, ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4"))
}
"""Each emotion's colour (RGB in 0..1) in every figure and annotated photo: seaborn's
colour-blind-safe palette, written out so that drawing a photo needs no plotting library."""

FOLDER_NAME_TO_LABEL = {
    **{name: i for i, name in enumerate(EMOTIONS)},
    "anger": 0,
    "disgusted": 1,
    "fearful": 2,
    "happiness": 3,
    "sadness": 4,
    "surprised": 5,
}
"""Emotion folder names seen in the common re-packagings of FER-2013 (lower case)."""


def label_of_folder(name: str) -> int | None:
    """The integer label of an emotion folder name, or None if it names no emotion."""
    return FOLDER_NAME_TO_LABEL.get(name.strip().lower())


def label_table() -> pd.DataFrame:
    """Each emotion's FER-2013 integer, display name, folder name and RAF-DB label."""
    rafdb = {fer: raf for raf, fer in RAFDB_TO_FER.items()}
    return pd.DataFrame(
        {
            "emotion": DISPLAY_NAMES,
            "folder name": EMOTIONS,
            "RAF-DB label": [rafdb[i] for i in range(NUM_CLASSES)],
        }
    ).rename_axis("FER-2013 label")
