"""Do the three independent oracles agree with each other on every graded case?"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader import spec
from grader.compare import compare
from grader.grading import make_cases

# Chapters where every graded case has at least two oracles, not only some.
EVERY_CASE_TWICE = {"rnn", "optimizers"}


def _disagreement(exercise, case, one, a, two, b):
    """None when oracles ``one`` and ``two`` agree, else the mismatch."""
    rtol = max(exercise.tolerance[one][0], exercise.tolerance[two][0])
    atol = max(exercise.tolerance[one][1], exercise.tolerance[two][1])
    if isinstance(a, dict) and "values" in a:  # a symbolic answer's values
        return compare(
            list(map(float, a["values"])),
            list(map(float, b["values"])),
            rtol,
            atol,
            one,
        )
    if exercise.compare is not None:  # kink rules: another fair choice agrees
        return exercise.compare(b, a, case, rtol, atol, one)
    return compare(b, a, rtol, atol, one, exercise.outputs)


@pytest.mark.parametrize("exercise", spec.all_exercises(), ids=lambda e: e.full_name)
def test_oracles_agree_on_every_case(exercise, references):
    """Does every pair of oracles give the same answer within the looser tolerance?"""
    used = set()
    for index, case in enumerate(make_cases(exercise, seed=0)):
        expected = references.get(exercise, 0, index)
        assert expected, f"case {index} of {exercise.full_name} has no oracle"
        if exercise.module in EVERY_CASE_TWICE:
            assert len(expected) >= 2, f"only {list(expected)} for {case.describe()}"
        used |= set(expected)
        for (one, a), (two, b) in itertools.combinations(expected.items(), 2):
            mismatch = _disagreement(exercise, case, one, a, two, b)
            assert mismatch is None, (
                f"{exercise.full_name}, case {index} ({case.describe()}): {two} vs "
                f"{mismatch.headline}\n" + "\n".join(mismatch.details)
            )
    # every oracle of the exercise checks at least one of its cases
    assert used == set(exercise.oracles), used


def test_every_gradient_exercise_has_three_oracles():
    """Is every exercise with a finite-difference oracle also checked by two others?"""
    for exercise in spec.all_exercises():
        if spec.FINITE_DIFFERENCES in exercise.oracles:
            assert len(exercise.oracles) >= 2, exercise.full_name


def test_agreement_check_can_fail():
    """Would two oracles that disagree be caught by the comparison used above?"""
    assert (
        compare(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-3]), 1e-7, 1e-9)
        is not None
    )
