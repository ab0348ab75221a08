"""Following faces from frame to frame, so that a video's table says which rows are
the same person: :class:`FaceTracker` gives every face box a track number.

Frames come 25 or 30 times a second, so a face moves little between two of them:
each box of a new frame continues the track whose last box is nearest, measured
from centre to centre in face widths, if it is at most ``max_move`` widths away
and of about the same size (at most ``max_growth`` times larger or smaller);
the nearest pairs are joined first, and a box with no such track starts a new
one. A track that finds no box for ``patience`` frames in a row (a face turned
away, or missed by the detector) ends, and the face gets a new number when it
comes back. No appearance is compared: two people crossing can swap numbers,
which a teaching tracker may allow.
"""

from __future__ import annotations

import numpy as np


def distances(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distance from the centre of every box (n, 4) to the centre of every other
    (m, 4), all (x, y, width, height), in widths of the two boxes' mean side: an
    (n, m) array."""
    a = np.asarray(boxes, np.float64).reshape(-1, 1, 4)
    b = np.asarray(others, np.float64).reshape(1, -1, 4)
    gap = np.hypot(a[..., 0] + a[..., 2] / 2 - b[..., 0] - b[..., 2] / 2, a[..., 1] + a[..., 3] / 2 - b[..., 1] - b[..., 3] / 2)
    side = (np.sqrt(a[..., 2] * a[..., 3]) + np.sqrt(b[..., 2] * b[..., 3])) / 2
    return gap / np.maximum(side, 1e-9)


class FaceTracker:
    """Track numbers (1, 2, ...) for the face boxes of consecutive frames; see the module."""

    def __init__(self, max_move: float = 1.0, max_growth: float = 1.5, patience: int = 10):
        if max_move <= 0 or max_growth < 1 or patience < 0:
            raise ValueError(f"need max_move > 0, max_growth >= 1 and patience >= 0, got {max_move}, {max_growth}, "
                             f"{patience}")
        self.max_move, self.max_growth, self.patience = max_move, max_growth, patience
        self._last: dict[int, np.ndarray] = {}  # track -> its last box
        self._unseen: dict[int, int] = {}  # track -> frames since its last box
        self._next = 1

    def update(self, boxes) -> list[int]:
        """The track of each box (n, 4) of the next frame, in the boxes' order."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        tracks = list(self._last)
        ids = [0] * len(boxes)
        if tracks and len(boxes):
            last = np.stack([self._last[t] for t in tracks])
            apart = distances(boxes, last)
            growth = np.sqrt(boxes[:, None, 2] * boxes[:, None, 3] / (last[None, :, 2] * last[None, :, 3]))
            apart[(growth > self.max_growth) | (growth < 1 / self.max_growth)] = np.inf
            for flat in np.argsort(apart, axis=None):
                box, column = divmod(int(flat), len(tracks))
                if apart[box, column] > self.max_move:
                    break
                if ids[box] or tracks[column] in ids:
                    continue
                ids[box] = tracks[column]
        for i in range(len(boxes)):
            if not ids[i]:
                ids[i] = self._next
                self._next += 1
        for track in list(self._last):
            self._unseen[track] = 0 if track in ids else self._unseen[track] + 1
            if self._unseen[track] > self.patience:
                del self._last[track], self._unseen[track]
        for track, box in zip(ids, boxes):
            self._last[track] = box
            self._unseen[track] = 0
        return ids
