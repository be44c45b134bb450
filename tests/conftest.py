"""Shared fixtures: grade a student-style module written in a test."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from grader import spec
from grader.grading import Grader, References

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def solution_source(module: str) -> str:
    """The reference solution's text, a base for student-style variants."""
    return (ROOT / "solutions" / f"{module}.py").read_text()


@pytest.fixture(scope="session")
def references():
    """One reference store for the whole run: each case is computed once."""
    return References()


@pytest.fixture
def grade(tmp_path, references):
    """grade(module, source, names) -> {exercise name: Result}.

    ``source`` is written to ``<tmp>/<module>.py``; ``names`` are patterns as
    on the command line (default: the whole module). Write a variant as the
    solution plus a redefinition: ``solution_source(m) + "def f(...): ..."``.
    """

    def _grade(module, source, names=None, seed=0, time_limit=None):
        folder = tmp_path / f"submission{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / f"{module}.py").write_text(textwrap.dedent(source))
        with Grader(
            folder, seed=seed, references=references, time_limit=time_limit
        ) as grader:
            results = grader.grade_all(spec.select(names or [module]))
        return {r.name.split(".", 1)[1]: r for r in results}

    return _grade


@pytest.fixture
def variant(grade):
    """variant(module, name, code) -> Result of ``module.name`` when ``code``
    (a student-style redefinition) is appended to the reference solution."""

    def _variant(module, name, code):
        source = solution_source(module) + "\n" + code
        return grade(module, source, [f"{module}.{name}"])[name]

    return _variant
