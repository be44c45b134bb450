"""The pytest front end: ``pytest exercises/`` grades one test per exercise.

``exercises/conftest.py`` imports these hooks. Each test shows the grader's
message without a traceback into the grader, an untouched stub shows one calm
"not implemented yet" line, and the run ends with the score table.
``--kit-dir DIR`` grades another folder laid out like ``exercises/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import report, spec
from grader.grading import Grader

_RESULTS = pytest.StashKey[list]()


def marker(exercise) -> str:
    """The marker of one exercise: ``pytest exercises/ -m cnn_conv2d_forward``.

    Each test also carries its chapter's marker: ``pytest exercises/ -m cnn``.
    """
    return exercise.full_name.replace(".", "_")


def pytest_addoption(parser):
    group = parser.getgroup("dl-math-kit")
    group.addoption(
        "--kit-dir",
        default=None,
        help="grade the modules of this folder (default: exercises/)",
    )
    group.addoption("--kit-seed", type=int, default=0, help="case seed (default 0)")
    group.addoption(
        "--kit-no-cache",
        action="store_true",
        help="compute every reference anew; read and write no cache",
    )


def pytest_configure(config):
    config.stash[_RESULTS] = []
    for exercise in spec.all_exercises():
        config.addinivalue_line("markers", f"{marker(exercise)}: {exercise.full_name}")
    for module in spec.CHAPTERS:
        config.addinivalue_line("markers", f"{module}: every exercise of {module}")


def exercise_params():
    """One ``pytest.param`` per exercise, marked and named after it."""
    return [
        pytest.param(
            e,
            id=e.full_name,
            marks=[getattr(pytest.mark, marker(e)), getattr(pytest.mark, e.module)],
        )
        for e in spec.all_exercises()
    ]


@pytest.fixture(scope="session")
def kit(request):
    """The grader for the folder under test, shared by every test of the run."""
    option = request.config.getoption("--kit-dir")
    folder = Path(option) if option else Path(request.config.rootpath, "exercises")
    with Grader(
        folder,
        seed=request.config.getoption("--kit-seed"),
        cache=not request.config.getoption("--kit-no-cache"),
    ) as grader:
        yield _Kit(grader, request.config.stash[_RESULTS])


class _Kit:
    def __init__(self, grader, results):
        self.grader, self.results = grader, results

    def check(self, exercise):
        __tracebackhide__ = True
        result = self.grader.grade(exercise)
        self.results.append(result)
        if result.status != "pass":
            pytest.fail(result.message, pytrace=False)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = config.stash.get(_RESULTS, [])
    if results:
        terminalreporter.write_sep("=", "DL Math Kit score")
        terminalreporter.write_line(report.table(results))
