"""Grade exercises: cases -> runner -> references -> comparison -> verdict.

``Grader`` keeps one child process for the student's folder and the references it
has computed, so that the command line, the pytest report and the notebooks
all reach the same verdict through the same code.
"""

from __future__ import annotations

import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader import spec as specs
from grader.cache import DiskCache
from grader.compare import Mismatch, compare
from grader.diagnoses import MISTAKES, Evidence, diagnose
from grader.runner import LOAD_SECONDS, CallResult, StudentProcess


@dataclass
class Result:
    """The verdict on one exercise, as the JSON report gives it."""

    name: str
    points: float
    score: float
    status: str
    message: str
    diagnosis: str | None = None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "points": self.points,
            "score": self.score,
            "status": self.status,
            "message": self.message,
            "diagnosis": self.diagnosis,
        }


class Grader:
    """Grades the modules of one folder; use as a context manager."""

    def __init__(
        self,
        folder,
        seed: int = 0,
        references=None,
        cache: bool = True,
        time_limit: float | None = None,
    ):
        self.folder = Path(folder)
        self.seed = seed
        # Overrides every exercise's per-call limit (and scales the import limit).
        self.time_limit = time_limit
        self.references = references or References(DiskCache() if cache else None)
        self._student: StudentProcess | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if self._student is not None:
            self._student.close()
            self._student = None

    def grade_all(self, exercises) -> list[Result]:
        return [self.grade(exercise) for exercise in exercises]

    def grade(self, exercise: specs.Exercise) -> Result:
        """Run every case of ``exercise`` and return the first failure, or a pass."""
        problem = self._load_problem(exercise)
        if problem:
            return problem
        cases = make_cases(exercise, self.seed)
        used: list[str] = []
        for index, case in enumerate(cases):
            call = self._student.call(
                exercise.module,
                exercise.name,
                list(case.inputs.values()),
                case.kwargs,
                self._seconds(exercise),
            )
            verdict = self._check_call(exercise, case, call)
            if verdict is None:
                verdict = self._check_value(exercise, case, index, call.value, used)
            if verdict is not None:
                return verdict
        return _result(
            exercise,
            "pass",
            f"{exercise.name}: matches {_join(used)} "
            f"on {len(cases)} case{'s' if len(cases) > 1 else ''}",
        )

    def _load_problem(self, exercise):
        path = self.folder / f"{exercise.module}.py"
        if path.is_symlink():
            return _result(
                exercise,
                "error",
                f"{path.name} is a symbolic link: "
                "submit the file itself, not a link to one",
            )
        if not path.is_file():
            return _result(exercise, "missing", f"{path} not found")
        if self._student is None:
            load_seconds = 3 * self.time_limit if self.time_limit else LOAD_SECONDS
            self._student = StudentProcess(self.folder, load_seconds)
        loaded = self._student.load(exercise.module, specs.forbidden(exercise.module))
        if loaded.status != "ok":
            status = "timeout" if loaded.status == "timeout" else "error"
            return _result(
                exercise,
                status,
                f"importing {path.name} failed:\n{_indent(loaded.error)}",
            )
        if exercise.name not in (loaded.value or []):
            return _result(
                exercise, "missing", f"{path.name} has no function {exercise.name}"
            )
        return None

    def _seconds(self, exercise):
        return self.time_limit or exercise.seconds

    def _check_call(self, exercise, case, call: CallResult):
        name, where = exercise.name, f"  case: {case.describe()}"
        if call.status == "not_implemented":
            return _result(exercise, "not_implemented", f"{name}: not implemented yet")
        if call.status == "timeout":
            return _result(
                exercise,
                "timeout",
                f"{name}: did not return within {self._seconds(exercise):g} s "
                f"(an infinite loop, or far too slow?)\n{where}\n"
                f"{_printed(call)}  hint: reread {exercise.theory}",
            )
        if call.status in ("exception", "crashed"):
            return _result(
                exercise,
                "error",
                f"{name}: raised an error\n{where}\n{_indent(call.error)}"
                + (f"\n{_printed(call)}".rstrip() if call.status == "crashed" else ""),
            )
        if call.status == "missing":
            return _result(exercise, "missing", f"{name}: function not found")
        changed = _mutated(case, call)
        if changed:
            return _failure(
                exercise,
                case,
                f"{name}: modified its argument '{changed}' in place",
                [],
                MISTAKES["input-mutated"],
            )
        if exercise.warning_free and call.warnings:
            return _failure(
                exercise,
                case,
                f"{name}: raised a floating-point warning ({call.warnings[0]})",
                [],
                MISTAKES["not-finite"],
            )
        return None

    def _check_value(self, exercise, case, index, got, used):
        expected = self.references.get(exercise, self.seed, index)
        for oracle, wanted in expected.items():
            if oracle_label(oracle) not in used:
                used.append(oracle_label(oracle))
            rtol, atol = exercise.tolerance[oracle]
            label = oracle_label(oracle)
            if exercise.compare is not None:
                mismatch = exercise.compare(got, wanted, case, rtol, atol, label)
            else:
                mismatch = compare(got, wanted, rtol, atol, label, exercise.outputs)
            if mismatch:
                return self._explain(exercise, case, mismatch)
        return None

    def _explain(self, exercise, case, mismatch: Mismatch):
        headline = (
            f"{mismatch.where(exercise.name, exercise.outputs)}: {mismatch.headline}"
        )
        mistake = None
        if mismatch.got is not None and mismatch.expected is not None:
            evidence = Evidence(
                got=np.asarray(mismatch.got, dtype=np.float64),
                expected=np.asarray(mismatch.expected, dtype=np.float64),
                batch=case.batch,
                output=_output_name(exercise, mismatch),
                variant=lambda mistake_id: _pick(
                    exercise.variants[mistake_id](case), mismatch.path
                ),
            )
            mistake = diagnose(exercise.mistakes, exercise.variants, evidence)
        return _failure(exercise, case, headline, mismatch.details, mistake)


class References:
    """Expected values per (exercise, seed): every case, from every oracle.

    Computed once per process and, with a ``DiskCache``, once per machine.
    """

    def __init__(self, cache=None):
        self.cache = cache
        self._memory: dict[tuple, list[dict]] = {}

    def snapshot(self) -> dict:
        """Everything computed so far, to hand to another process."""
        return dict(self._memory)

    @classmethod
    def from_snapshot(cls, snapshot: dict) -> References:
        references = cls(None)
        references._memory.update(snapshot)
        return references

    def get(self, exercise, seed, index) -> dict:
        return self.for_exercise(exercise, seed)[index]

    def for_exercise(self, exercise, seed) -> list[dict]:
        key = (exercise.full_name, seed)
        if key not in self._memory:
            name = f"{exercise.full_name}-seed{seed}"
            stored = self.cache.load(name) if self.cache else None
            if stored is None:
                stored = [
                    _compute(exercise, case) for case in make_cases(exercise, seed)
                ]
                if self.cache:
                    self.cache.store(name, stored)
            self._memory[key] = stored
        return self._memory[key]


def _compute(exercise, case):
    computed = {name: oracle(case) for name, oracle in exercise.oracles.items()}
    return {name: value for name, value in computed.items() if value is not None}


def make_cases(exercise, seed) -> list[specs.Case]:
    """The cases of ``exercise`` for ``seed``: the same everywhere, every time."""
    return exercise.cases(
        np.random.default_rng([seed, zlib.crc32(exercise.full_name.encode())])
    )


def oracle_label(oracle: str) -> str:
    if oracle == specs.FINITE_DIFFERENCES:
        from grader.oracles.finite_differences import STEP

        return f"{oracle} (h={STEP:g})"
    return oracle


def _mutated(case, call):
    for (name, before), after in zip(case.inputs.items(), call.args_after):
        if not _same(before, after):
            return name
    for name, before in case.kwargs.items():
        if not _same(before, call.kwargs_after.get(name)):
            return name
    return None


def _same(before, after):
    if isinstance(before, dict):
        return (
            isinstance(after, dict)
            and before.keys() == after.keys()
            and all(_same(before[k], after[k]) for k in before)
        )
    if isinstance(before, (list, tuple)):
        return (
            isinstance(after, (list, tuple))
            and len(before) == len(after)
            and all(_same(b, a) for b, a in zip(before, after))
        )
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and bool(np.array_equal(before, after, equal_nan=True))
        )
    return before == after


def _pick(value, path):
    for key in path:
        value = value[key]
    return value


def _output_name(exercise, mismatch):
    if (
        len(exercise.outputs) > 1
        and mismatch.path
        and isinstance(mismatch.path[0], int)
    ):
        return exercise.outputs[mismatch.path[0]]
    return exercise.outputs[0] if exercise.outputs else ""


def _failure(exercise, case, headline, details, mistake):
    sheet = exercise.theory.split("#")[0]
    hint = (
        f"{mistake.says} - {sheet}#{mistake.id}"
        if mistake
        else f"reread {exercise.theory}" + _uses(exercise)
    )
    lines = [headline, f"  case: {case.describe()}"]
    lines += [f"  {line}" for line in details]
    lines.append(
        textwrap.fill(
            f"hint: {hint}",
            width=88,
            initial_indent="  ",
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
    )
    return _result(exercise, "fail", "\n".join(lines), mistake.id if mistake else None)


def _uses(exercise):
    if not exercise.uses:
        return ""
    return (
        f"; {exercise.name} probably calls your {_join(list(exercise.uses))}: "
        "if one of them fails, fix it first"
    )


def _result(exercise, status, message, diagnosis=None):
    points = float(exercise.points)
    score = points if status == "pass" else 0.0
    return Result(exercise.full_name, points, score, status, message, diagnosis)


def _printed(call, lines=5):
    """The last lines the student's code printed, labelled as theirs."""
    tail = [line[:200] for line in call.output.strip().splitlines()[-lines:]]
    if not tail:
        return ""
    return "  your code printed last:\n" + "".join(f"    | {t}\n" for t in tail)


def _indent(text):
    return "\n".join(f"  {line}" for line in text.strip().splitlines())


def _join(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
