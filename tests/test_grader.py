"""The grader end to end: command line, JSON, exit codes, stubs, pytest front end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from grader import spec, stubs

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def run(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=900,
    )


@pytest.fixture(scope="module")
def solutions_report():
    done = run("-m", "grader", "check", "solutions", "--json")
    return done.returncode, json.loads(done.stdout), done.stderr


def test_every_solution_passes_every_check(solutions_report):
    """Does `check solutions --json` report every exercise as pass, exit 0?"""
    code, report, _ = solutions_report
    failed = [e for e in report["exercises"] if e["status"] != "pass"]
    assert not failed, "\n\n".join(e["message"] for e in failed)
    assert code == 0
    assert report["score"] == report["max_score"] > 0


def test_json_follows_the_contract(solutions_report):
    """Has the JSON exactly the contract's keys and types, one entry per exercise?"""
    _, report, stderr = solutions_report
    assert set(report) == {"score", "max_score", "exercises"}
    assert [e["name"] for e in report["exercises"]] == [
        e.full_name for e in spec.all_exercises()
    ]
    for entry in report["exercises"]:
        assert set(entry) == {
            "name",
            "points",
            "score",
            "status",
            "message",
            "diagnosis",
        }
        assert entry["status"] in (
            "pass",
            "fail",
            "error",
            "timeout",
            "not_implemented",
            "missing",
        )
        assert isinstance(entry["points"], float | int)
        assert entry["diagnosis"] is None or isinstance(entry["diagnosis"], str)


def test_check_prints_no_tensorflow_chatter(solutions_report):
    """Is the grader's standard error free of TensorFlow's start-up lines?"""
    assert solutions_report[2].strip() == ""


def test_untouched_stubs_are_not_implemented():
    """Is every untouched stub `not_implemented`, with exit status 1?"""
    done = run("-m", "grader", "check", "exercises", "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert {e["status"] for e in report["exercises"]} == {"not_implemented"}
    assert report["score"] == 0


def test_stubs_are_in_sync_with_solutions():
    """Is exercises/ exactly what `python -m grader stubs` makes from solutions/?"""
    generated = stubs.generate(ROOT / "solutions", ROOT / "exercises")
    assert generated
    for path, text in generated.items():
        assert path.exists(), f"{path} missing: run python -m grader stubs"
        assert path.read_text() == text, (
            f"{path} is out of date: run python -m grader stubs"
        )


def test_stubs_keep_signatures_and_docstrings_but_no_solution():
    """Does a stub keep the docstring and hide everything in the solution region?"""
    source = (
        'def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    return x\n'
        "    ### END SOLUTION\n"
    )
    stub = stubs.make_stub(source, "m", "m.py")
    assert '"""Doc."""' in stub
    assert "return x" not in stub
    assert 'raise NotImplementedError("m.f: not implemented yet")' in stub


def test_unclosed_solution_region_is_an_error():
    """Is an error raised when there is no end solution marker?"""
    with pytest.raises(stubs.SolutionMarkerError, match="never closed"):
        stubs.make_stub("def f():\n    ### BEGIN SOLUTION\n    pass\n", "m", "m.py")


def test_only_selects_by_module_function_and_pattern():
    """Do --only NAME, module and shell patterns pick the right exercises?"""
    names = [e.full_name for e in spec.select(["linear_regression.fit"])]
    assert names == ["linear_regression.fit"]
    assert {e.module for e in spec.select(["softmax_regression"])} == {
        "softmax_regression"
    }
    assert [e.name for e in spec.select(["derivations.squared_error_*"])] == [
        "squared_error_dw",
        "squared_error_db",
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["check", "exercises", "--only", "no_such_module"],
        ["check", "no/such/folder"],
        ["check", "--seed", "x"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(args):
    """Does a usage error exit with status 2 and a message, not a traceback?"""
    done = run("-m", "grader", *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "error" in done.stderr


def test_missing_module_and_function_are_reported(tmp_path):
    """Is a missing module or function reported as `missing`, not a crash?"""
    (tmp_path / "linear_regression.py").write_text(
        "def predict(X, w, b):\n    return X @ w + b\n"
    )
    done = run(
        "-m",
        "grader",
        "check",
        str(tmp_path),
        "--json",
        "--only",
        "linear_regression",
        "softmax_regression.softmax",
    )
    report = json.loads(done.stdout)
    status = {e["name"]: e["status"] for e in report["exercises"]}
    assert status["linear_regression.predict"] == "pass"
    assert status["linear_regression.mse_loss"] == "missing"
    assert status["softmax_regression.softmax"] == "missing"
    assert done.returncode == 1


def test_table_lists_scores_and_total():
    """Does the plain output show each exercise, its score and the total?"""
    done = run("-m", "grader", "check", "solutions", "--only", "linear_regression")
    assert done.returncode == 0
    assert "linear_regression.mse_loss" in done.stdout
    assert "total" in done.stdout and "7/7" in done.stdout.replace(" ", "")


def test_list_names_every_exercise_and_its_theory():
    """Does `list` print every exercise with its points and theory section?"""
    done = run("-m", "grader", "list")
    assert done.returncode == 0
    for exercise in spec.all_exercises():
        assert exercise.full_name in done.stdout
        assert exercise.theory in done.stdout


def test_pytest_on_stubs_fails_calmly():
    """Does `pytest exercises/` fail on the stubs with one calm line each?"""
    done = run("-m", "pytest", "exercises/", "-q", "-p", "no:randomly")
    assert done.returncode == 1
    assert "not implemented yet" in done.stdout
    assert "Traceback" not in done.stdout and "grader/" not in done.stdout
    assert "DL Math Kit score" in done.stdout


def test_pytest_on_solutions_passes_and_shows_the_table():
    """Does `pytest exercises/ --kit-dir solutions` pass, with a score table?"""
    done = run("-m", "pytest", "exercises/", "-q", "--kit-dir", "solutions")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "total" in done.stdout
    count = len(spec.all_exercises())
    assert f"{count} passed" in done.stdout


def test_pytest_runs_one_exercise_by_marker():
    """Can a student run a single exercise with its marker?"""
    done = run(
        "-m",
        "pytest",
        "exercises/",
        "-q",
        "--kit-dir",
        "solutions",
        "-m",
        "softmax_regression_softmax",
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 passed" in done.stdout


def test_pytest_failure_shows_the_graders_message(tmp_path):
    """Is a wrong answer shown as the grader's message, without our traceback?"""
    source = (ROOT / "solutions" / "linear_regression.py").read_text()
    (tmp_path / "linear_regression.py").write_text(
        source
        + "\ndef mse_loss(y_hat, y):\n    return float(np.mean((y - y_hat)**2))\n"
    )
    done = run(
        "-m",
        "pytest",
        "exercises/",
        "-q",
        "--kit-dir",
        str(tmp_path),
        "-k",
        "linear_regression and mse_loss",
    )
    assert done.returncode == 1
    assert "mse_loss: does not match TensorFlow" in done.stdout
    assert "missing-half" in done.stdout
    assert "grader/" not in done.stdout.replace("theory/", "")
