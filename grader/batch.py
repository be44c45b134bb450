"""Grade a whole class: one folder per student, in parallel, resumable.

References are computed (or read from the cache) once, in this process, before
any student is graded, and handed to the worker processes: TensorFlow is
imported at most once for the whole class. Each finished student's JSON is
written at once, atomically, next to the CSV; a rerun after an interruption
skips every student whose JSON is already there and complete.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from grader import report, spec
from grader.cache import DiskCache
from grader.grading import Grader, References

_worker_references: References | None = None


def json_folder(out: Path) -> Path:
    """Where the per-student JSON files of ``out`` (the CSV) live."""
    return out.with_name(out.stem + "-json")


def grade_class(
    submissions: Path,
    out: Path,
    patterns=None,
    seed=0,
    jobs=None,
    cache=True,
    progress=None,
    time_limit=None,
) -> list[dict]:
    """Grade every student folder of ``submissions``; return their reports."""
    exercises = spec.select(patterns)
    names = [e.full_name for e in exercises]
    students = sorted(p.name for p in Path(submissions).iterdir() if p.is_dir())
    folder = json_folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    done = {s: r for s in students if (r := _finished(folder / f"{s}.json", names))}
    todo = [s for s in students if s not in done]
    progress = progress or (lambda count, total, student: None)
    progress(len(done), len(students), None)

    references = References(DiskCache() if cache else None)
    for exercise in exercises:
        references.for_exercise(exercise, seed)

    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        jobs or os.cpu_count(),
        mp_context=context,
        initializer=_start_worker,
        initargs=(references.snapshot(),),
    )
    futures = {
        pool.submit(_grade_student, Path(submissions) / s, names, seed, time_limit): s
        for s in todo
    }
    try:
        for future in as_completed(futures):
            student = futures[future]
            done[student] = future.result()
            _write_atomically(
                folder / f"{student}.json", json.dumps(done[student], indent=2)
            )
            _write_atomically(out, _csv(done, names))
            progress(len(done), len(students), student)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    _write_atomically(out, _csv(done, names))
    return [done[s] for s in students]


def _stop(pool):
    """End the workers now: what they were grading is graded again on a rerun."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def _start_worker(snapshot):
    global _worker_references
    _worker_references = References.from_snapshot(snapshot)


def _grade_student(folder, names, seed, time_limit):
    exercises = [e for e in spec.all_exercises() if e.full_name in names]
    with Grader(
        folder, seed=seed, references=_worker_references, time_limit=time_limit
    ) as grader:
        results = grader.grade_all(exercises)
    return json.loads(report.as_json(results))


def _finished(path, names):
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    graded = [e.get("name") for e in data.get("exercises", [])]
    return data if graded == names else None


def _csv(done, names):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "score", "max_score", *names])
    for student in sorted(done):
        data = done[student]
        scores = {e["name"]: e["score"] for e in data["exercises"]}
        writer.writerow(
            [student, data["score"], data["max_score"], *[scores[n] for n in names]]
        )
    return buffer.getvalue()


def _write_atomically(path: Path, text: str):
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, path)


def progress_bar(stream=sys.stderr):
    """A progress callback: a bar redrawn in place on a terminal, lines elsewhere."""

    def show(count, total, student):
        if stream.isatty():
            filled = 30 * count // max(total, 1)
            stream.write(
                f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] "
                f"{count}/{total} students"
            )
            if count == total:
                stream.write("\n")
        elif student is not None:
            stream.write(f"graded {student} ({count}/{total})\n")
        stream.flush()

    return show
