"""Batch grading of a class, and the reference cache it relies on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, solution_source

CHAPTERS = ["linear_regression", "softmax_regression"]
FULL = 7 + 5

# Student-style submissions and the exact score each must get.
KINDS = {
    "correct": ({}, FULL),
    "no-half": (
        {
            "linear_regression": "def mse_loss(y_hat, y):\n"
            "    return float(np.mean((y - y_hat) ** 2))\n"
        },
        FULL - 1 - 2,
    ),
    "naive-softmax": (
        {
            "softmax_regression": "def softmax(z):\n    e = np.exp(z)\n"
            "    return e / e.sum(axis=-1, keepdims=True)\n"
        },
        FULL - 1 - 2,
    ),
    "loops-forever": (
        {
            "softmax_regression": "def cross_entropy(logits, labels):\n"
            "    while True:\n        pass\n"
        },
        FULL - 2,
    ),
    "exits": ({"linear_regression": "import sys\nsys.exit(3)\n"}, 5),
    "empty": (None, 0),
}


def _make_class(folder, count):
    expected = {}
    kinds = list(KINDS)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        changes, score = KINDS[kind]
        student = folder / f"student{i:02d}-{kind}"
        student.mkdir(parents=True)
        for chapter in CHAPTERS if changes is not None else []:
            source = solution_source(chapter) + "\n" + changes.get(chapter, "")
            (student / f"{chapter}.py").write_text(source)
        expected[student.name] = score
    return expected


def _env(cache):
    return {**os.environ, "DLMK_CACHE_DIR": str(cache), "TF_CPP_MIN_LOG_LEVEL": "2"}


def _grade_command(submissions, out):
    return [
        sys.executable,
        "-m",
        "grader",
        "grade",
        str(submissions),
        "--out",
        str(out),
        "--only",
        *CHAPTERS,
        "--time-limit",
        "2",
    ]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_class_of_50_gets_exact_scores(tmp_path, cache):
    """Are 50 mixed submissions graded with exactly the expected scores?"""
    expected = _make_class(tmp_path / "class", 50)
    out = tmp_path / "grades.csv"
    done = subprocess.run(
        _grade_command(tmp_path / "class", out),
        cwd=ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split(",") for line in out.read_text().splitlines()]
    assert rows[0][:3] == ["student", "score", "max_score"]
    scores = {row[0]: float(row[1]) for row in rows[1:]}
    assert scores == expected
    for student in expected:
        report = json.loads((tmp_path / "grades-json" / f"{student}.json").read_text())
        assert report["score"] == expected[student]
        assert report["max_score"] == FULL


def test_interrupted_batch_resumes(tmp_path, cache):
    """Does a rerun after Ctrl-C grade only the rest, keeping what was written?"""
    expected = _make_class(tmp_path / "class", 12)
    out = tmp_path / "grades.csv"
    folder = tmp_path / "grades-json"
    process = subprocess.Popen(
        _grade_command(tmp_path / "class", out),
        cwd=ROOT,
        env=_env(cache),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(folder.glob("*.json"))) < 3:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=120) != 0
    finished = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.json")}
    assert 3 <= len(finished) < 12
    for path in folder.glob("*.json"):
        json.loads(path.read_text())  # nothing half-written

    done = subprocess.run(
        _grade_command(tmp_path / "class", out),
        cwd=ROOT,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert {
        p.name: p.stat().st_mtime_ns
        for p in folder.glob("*.json")
        if p.name in finished
    } == finished
    scores = {
        row.split(",")[0]: float(row.split(",")[1])
        for row in out.read_text().splitlines()[1:]
    }
    assert scores == expected


def test_warm_check_does_not_import_tensorflow(tmp_path):
    """Once the cache is warm, does grading run without importing TensorFlow?"""
    script = (
        "import sys\nfrom grader.grading import Grader\nfrom grader import spec\n"
        "with Grader('solutions') as g:\n"
        "    results = g.grade_all(spec.all_exercises())\n"
        "print(all(r.status == 'pass' for r in results), "
        "'tensorflow' in sys.modules)\n"
    )
    env = _env(tmp_path / "cache")
    cold = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    warm = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert cold.stdout.split() == ["True", "True"], cold.stderr
    assert warm.stdout.split() == ["True", "False"], warm.stderr


def test_corrupt_cache_entry_is_recomputed(tmp_path):
    """Is a damaged cache file detected, recomputed and rewritten?"""
    from grader import spec
    from grader.cache import DiskCache
    from grader.grading import References

    exercise = spec.select(["linear_regression.mse_loss"])[0]
    cache = DiskCache(tmp_path)
    first = References(cache).for_exercise(exercise, 0)
    path = cache.path(f"{exercise.full_name}-seed0")
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert cache.load(f"{exercise.full_name}-seed0") is None
    again = References(cache).for_exercise(exercise, 0)
    assert again[0].keys() == first[0].keys()
    assert cache.load(f"{exercise.full_name}-seed0") is not None


def test_no_cache_writes_nothing(tmp_path):
    """Does --no-cache leave the cache folder untouched?"""
    env = _env(tmp_path / "cache")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "check",
            "solutions",
            "--only",
            "linear_regression.predict",
            "--no-cache",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "cache").exists()
