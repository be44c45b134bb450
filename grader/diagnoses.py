"""Named mistakes: cheap tests that recognise what a wrong answer got wrong.

A mistake is an id, a sentence to the student, and either a predicate over the
evidence of a failed comparison or, when the exercise gives one, a *variant*:
a function computing what the mistaken code would return, which the student's
output is matched against. Adding a mistake is one ``Mistake(...)`` line here
and, for a variant, one entry in the exercise's ``variants``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LOOSE = dict(rtol=1e-6, atol=1e-9)


@dataclass
class Evidence:
    """What a predicate may look at: the failing output, expected and got."""

    got: np.ndarray
    expected: np.ndarray
    batch: int | None
    output: str
    variant: Callable[[str], np.ndarray | None]


@dataclass(frozen=True)
class Mistake:
    id: str
    says: str
    test: Callable[[Evidence], bool] | None = None


def _close(a, b):
    return a.shape == b.shape and bool(np.allclose(a, b, **LOOSE))


def _nonzero(e):
    return bool(np.abs(e.expected).max(initial=0.0) > 1e-12)


def _scaled(e, factor):
    return _nonzero(e) and _close(e.got, factor * e.expected)


def _transposed(e):
    got, expected = e.got, e.expected
    if got.ndim != 2 or expected.ndim != 2 or _close(expected, expected.T):
        return False
    return got.shape == expected.T.shape and _close(got.T, expected)


def _shifted(e):
    got, expected = e.got, e.expected
    return (
        e.output == "losses"
        and got.shape == expected.shape
        and got.size > 1
        and _close(got[:-1], expected[1:])
    )


def _not_finite(e):
    return bool((~np.isfinite(e.got) & np.isfinite(e.expected)).any())


MISTAKES = {
    m.id: m
    for m in [
        Mistake(
            "missing-half",
            "your result is off by exactly a factor of 2: check "
            "the 1/2 in the loss and whether its derivative cancels it",
            lambda e: _scaled(e, 2.0) or _scaled(e, 0.5),
        ),
        Mistake(
            "sum-not-mean",
            "your result is off by exactly the batch size n: "
            "the loss is a mean over the batch, so divide by n (once)",
            lambda e: (
                bool(e.batch and e.batch > 1)
                and (_scaled(e, e.batch) or _scaled(e, 1.0 / e.batch))
            ),
        ),
        Mistake(
            "sign-flipped",
            "your result has the right size but the opposite "
            "sign: check the order of (y_hat - y) and the sign of the step",
            lambda e: _scaled(e, -1.0),
        ),
        Mistake(
            "transposed",
            "your result is the transpose of the expected one: "
            "check the order of the matrix product (x.T @ dout, not dout.T @ x)",
            _transposed,
        ),
        Mistake(
            "not-finite",
            "your code produced nan or inf, or a floating-point warning (an "
            "overflow, a division by zero, the log of 0?); with large inputs, use a "
            "numerically stable form",
            _not_finite,
        ),
        Mistake(
            "loss-after-update",
            "your losses are shifted by one step: record "
            "the loss before each update, not after it",
            _shifted,
        ),
        Mistake(
            "input-mutated",
            "your function changed one of its arguments in "
            "place; work on a copy (w = w - lr * dw, not w -= lr * dw)",
        ),
        Mistake(
            "wrong-axis",
            "your result matches the computation along the wrong "
            "axis: the classes are along the last axis (axis=-1)",
        ),
    ]
}


def register(*mistakes: Mistake) -> None:
    """Add chapter-specific mistakes to the table (called by the chapter specs)."""
    for mistake in mistakes:
        MISTAKES[mistake.id] = mistake


def diagnose(ids, variants, evidence: Evidence) -> Mistake | None:
    """The first mistake among ``ids`` that the evidence shows, if any."""
    for mistake_id in ids:
        mistake = MISTAKES[mistake_id]
        if mistake_id in variants:
            wanted = evidence.variant(mistake_id)
            if wanted is not None and _close(evidence.got, np.asarray(wanted, float)):
                return mistake
        elif mistake.test is not None and mistake.test(evidence):
            return mistake
    return None
