"""One test per exercise: ``pytest exercises/ -k mse_loss`` runs one of them.

Each test calls your function on the grader's cases and compares it with
TensorFlow, SymPy and central differences. Failures say what was expected,
what you returned, where, and which part of theory/ to reread.
"""

import pytest

from grader.pytest_plugin import exercise_params


@pytest.mark.parametrize("exercise", exercise_params())
def test_exercise(exercise, kit):
    kit.check(exercise)
