"""Do the three independent oracles agree with each other on every graded case?"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader import spec
from grader.compare import compare
from grader.grading import make_cases


def _numbers(value):
    """What two oracles can be compared on (a symbolic answer's values)."""
    if isinstance(value, dict) and "values" in value:
        return [float(v) for v in value["values"]]
    return value


@pytest.mark.parametrize("exercise", spec.all_exercises(), ids=lambda e: e.full_name)
def test_oracles_agree_on_every_case(exercise, references):
    """Does every pair of oracles give the same answer within the looser tolerance?"""
    compared = 0
    for index, case in enumerate(make_cases(exercise, seed=0)):
        expected = references.get(exercise, 0, index, case)
        assert expected, f"case {index} of {exercise.full_name} has no oracle"
        for (one, a), (two, b) in itertools.combinations(expected.items(), 2):
            rtol = max(exercise.tolerance[one][0], exercise.tolerance[two][0])
            atol = max(exercise.tolerance[one][1], exercise.tolerance[two][1])
            mismatch = compare(_numbers(a), _numbers(b), rtol, atol, two)
            assert mismatch is None, (
                f"{exercise.full_name}, case {case.describe()}: {one} vs "
                f"{mismatch.headline}\n" + "\n".join(mismatch.details)
            )
            compared += 1
    if len(exercise.oracles) > 1:
        assert compared > 0, f"{exercise.full_name}: no case had two oracles"


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
