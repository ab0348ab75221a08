"""Chapter 10's exercises: two ingredients of the recipe written by hand.

* 10.1: label smoothing's targets, compared with
  :func:`fer_utils.augment.pipeline.soft_targets`;
* 10.2: the warm-up and cosine learning rate, compared with
  :class:`fer_utils.engine.training.LearningRateCurve`.
"""

from __future__ import annotations

import numpy as np

from fer_utils.augment.pipeline import soft_targets
from fer_utils.data.labels import NUM_CLASSES
from fer_utils.engine.training import LearningRateCurve
from fer_utils.exercises import Verdict, require


def check_smoothed_targets(answer) -> Verdict:
    """Exercise 10.1: ``answer(labels, epsilon)`` must give the (n, 7) targets that
    training with label smoothing ``epsilon`` uses."""
    exercise = "10.1"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    labels = np.array([0, 3, 6, 1, 1, 5, 2, 4])
    for epsilon in (0.0, 0.1, 0.3):
        expected = soft_targets(labels, epsilon).numpy()
        got = answer(labels.copy(), epsilon)
        require(got is not None, exercise, "the function returns None: write its body (it ends with `...` now).")
        got = np.asarray(got, dtype=np.float64)
        require(got.shape == expected.shape, exercise, f"the targets are shaped {got.shape}, not {expected.shape}.")
        if epsilon and np.allclose(got[np.arange(len(labels)), labels], 1 - epsilon):
            require(False, exercise,
                    f"the labelled emotion gets 1 - ε = {1 - epsilon:g}; but ε is spread over all "
                    f"{NUM_CLASSES} emotions, the labelled one included, so it gets 1 - ε + ε/{NUM_CLASSES} "
                    f"= {1 - epsilon + epsilon / NUM_CLASSES:.4f}.")
        require(np.allclose(got, expected, atol=1e-6), exercise,
                f"with ε = {epsilon:g} the first row should be {np.round(expected[0], 4).tolist()}, "
                f"the answer gives {np.round(got[0], 4).tolist()}: (1 - ε) times the one-hot row, plus ε/7 "
                f"everywhere.")
    return Verdict(exercise, f"The targets match soft_targets for ε = 0, 0.1 and 0.3; with ε = 0.1 the labelled "
                             f"emotion's target is {1 - 0.1 + 0.1 / NUM_CLASSES:.4f}.")


def check_learning_rate(answer) -> Verdict:
    """Exercise 10.2: ``answer(step, peak, total_steps, warmup_steps)`` must give the
    learning rate of the warm-up-and-cosine schedule at optimiser step ``step``
    (counted from 0)."""
    exercise = "10.2"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    for peak, total, warmup in ((1e-3, 240, 10), (0.05, 1000, 0), (0.1, 50, 25)):
        curve = LearningRateCurve(peak, total_steps=total, warmup_steps=warmup)
        for step in sorted({0, 1, max(warmup - 1, 0), warmup, (warmup + total) // 2, total - 1, total, total + 5}):
            expected = float(curve(step))
            got = answer(step, peak, total, warmup)
            require(got is not None, exercise, "the function returns None: write its body (it ends with `...` now).")
            where = "in the warm-up" if step < warmup else "after the warm-up"
            rule = (f"during the warm-up the rate rises linearly, peak * (step + 1) / warmup_steps"
                    if step < warmup else
                    "after it, progress = (step - warmup_steps) / (total_steps - warmup_steps), kept within 0..1, "
                    "and the rate is peak * (1 + cos(pi * progress)) / 2")
            require(np.isclose(float(got), expected, rtol=1e-4, atol=1e-9), exercise,
                    f"at step {step} ({where}; peak {peak:g}, {total} steps, warm-up {warmup}) the rate is "
                    f"{expected:.6g}, the answer gives {float(got):.6g}: {rule}.")
    return Verdict(exercise, "The rate matches LearningRateCurve at every step tried, in the warm-up, the cosine "
                             "and after the end.")
