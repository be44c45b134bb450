"""What an exercise is: its cases, its oracles, its tolerances and its mistakes.

One ``Exercise`` per function of the contract (``shared/exercise-api.md``). The
specs of a chapter live together in ``grader/specs/<module>.py``; this module
only defines the shapes they share and the registry that finds them.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CHAPTERS = (
    "linear_regression",
    "logistic_regression",
    "softmax_regression",
    "cnn",
    "rnn",
    "optimizers",
    "derivations",
)

TENSORFLOW = "TensorFlow"
SYMPY = "SymPy"
FINITE_DIFFERENCES = "central differences"

# (rtol, atol) per oracle: TensorFlow and SymPy compute the same float64
# formula, central differences carry a truncation error of order h**2.
EXACT = (1e-7, 1e-9)
NUMERIC = (1e-5, 1e-7)
DEFAULT_TOLERANCE = {TENSORFLOW: EXACT, SYMPY: EXACT, FINITE_DIFFERENCES: NUMERIC}


@dataclass(frozen=True)
class Case:
    """One call of a student function: named positional inputs, keyword inputs.

    ``note`` says what is special about the case ("large logits"), ``batch`` is
    the batch size n used to recognise a sum where a mean was asked for;
    ``extra`` holds what the oracles need that is not an argument.
    """

    inputs: dict[str, Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    batch: int | None = None
    small: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [_describe(name, value) for name, value in self.inputs.items()]
        parts += [_describe(name, value) for name, value in self.kwargs.items()]
        text = ", ".join(parts) or "no arguments"
        return f"{text} ({self.note})" if self.note else text


def _describe(name, value):
    if isinstance(value, np.ndarray):
        return f"{name} {value.shape}" if value.ndim else f"{name} {float(value):.4g}"
    if isinstance(value, float):
        return f"{name} {value:.4g}"
    if isinstance(value, dict):
        return f"{name} {{{', '.join(value)}}}"
    if isinstance(value, list):
        return f"{name} [{len(value)} items]"
    return f"{name} {value!r}"


Oracle = Callable[[Case], Any]


@dataclass(frozen=True)
class Exercise:
    """The grader's knowledge of one contract function.

    Parameters
    ----------
    module, name : the function ``name`` in ``<module>.py``.
    points : what the exercise is worth; scored all or nothing.
    theory : the theory-sheet section that explains it.
    cases : seeded generator of cases, ``cases(rng) -> list[Case]``.
    outputs : names of the returned values, in order (one name: a single value).
    oracles : oracle name -> function of a case giving the expected return value
        (same structure as the student's), or ``None`` where it does not apply.
    tolerance : oracle name -> (rtol, atol).
    mistakes : ids of ``grader.diagnoses.MISTAKES`` to look for on a failure.
    variants : mistake id -> function of a case giving what that mistake returns.
    compare : replaces the element-wise comparison (kinks, symbolic answers).
    warning_free : floating-point warnings during the call fail the case.
    seconds : wall-clock limit of one call.
    uses : other exercises of the chapter that a student's version usually
        calls; a failure hint names them, since one mistake there fails both.
    """

    module: str
    name: str
    points: float
    theory: str
    cases: Callable[[np.random.Generator], list[Case]]
    outputs: tuple[str, ...]
    oracles: dict[str, Oracle]
    tolerance: dict[str, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_TOLERANCE)
    )
    mistakes: tuple[str, ...] = ()
    variants: dict[str, Oracle] = field(default_factory=dict)
    compare: Callable | None = None
    warning_free: bool = False
    seconds: float = 10.0
    uses: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.module}.{self.name}"


def load_chapter(module: str) -> list[Exercise]:
    """The exercises of one chapter, in the contract's order."""
    return list(importlib.import_module(f"grader.specs.{module}").EXERCISES)


def forbidden(module: str) -> tuple[str, ...]:
    """What a chapter's code may not call (its spec module's ``FORBIDDEN``)."""
    return tuple(
        getattr(importlib.import_module(f"grader.specs.{module}"), "FORBIDDEN", ())
    )


def all_exercises() -> list[Exercise]:
    """Every exercise of every chapter whose specs exist."""
    found = []
    for module in CHAPTERS:
        try:
            found += load_chapter(module)
        except ModuleNotFoundError as exc:
            if exc.name != f"grader.specs.{module}":
                raise
    return found


def select(patterns: list[str] | None) -> list[Exercise]:
    """Exercises matching ``module``, ``module.function`` or a shell pattern."""
    exercises = all_exercises()
    if not patterns:
        return exercises
    chosen = [
        exercise
        for exercise in exercises
        if any(_matches(exercise, pattern) for pattern in patterns)
    ]
    return chosen


def unmatched(patterns: list[str]) -> list[str]:
    """The patterns that name no exercise (a usage error on the command line)."""
    exercises = all_exercises()
    return [p for p in patterns if not any(_matches(e, p) for e in exercises)]


def _matches(exercise, pattern):
    return exercise.module == pattern or fnmatch.fnmatchcase(
        exercise.full_name, pattern
    )
