"""Grading code written to break the grader: every attack gets its true score.

Each submission is the reference chapter 3 with ``cross_entropy`` (which no
other function of the chapter calls) replaced by an attack. Expected every
time: the attacked exercise gets the status below and no points, the grader
neither crashes nor hangs, time limits hold within twice their value, and the
other two exercises still pass.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import ROOT, solution_source

from grader import spec
from grader.cache import default_folder

BASE = solution_source("softmax_regression")
LIMIT = 2.0
RIGHT = (
    "float(np.mean(np.logaddexp.reduce(logits, axis=1)"
    " - logits[np.arange(len(labels)), labels]))"
)

ATTACKS = {
    "infinite loop": ("while True:\n        pass", "timeout"),
    "loop that swallows BaseException": (
        "while True:\n        try:\n            time.sleep(10)\n"
        "        except BaseException:\n            pass",
        "timeout",
    ),
    "slow beyond the limit": ("time.sleep(30)\n    return " + RIGHT, "timeout"),
    "memory bomb": ("return float(np.ones(10**11).sum())", "error"),
    "memory bomb by list": ("x = [1.0] * 10**11\n    return x[0]", "error"),
    "sys.exit": ("sys.exit(0)", "error"),
    "raise SystemExit": ("raise SystemExit(1)", "error"),
    "os._exit": ("os._exit(0)", "error"),
    "KeyboardInterrupt": ("raise KeyboardInterrupt", "error"),
    "segfault": ("import ctypes\n    return ctypes.string_at(0)", "error"),
    "recursion overflow": ("return cross_entropy(logits, labels)", "error"),
    "too much output": ("while True:\n        print('x' * 10**6)", "error"),
    "fake PASSED line": ("print('cross_entropy PASSED 5/5')\n    return 0.0", "fail"),
    "monkeypatched allclose": (
        "np.allclose = np.isclose = lambda *a, **k: True\n    return 0.0",
        "fail",
    ),
    "monkeypatched grader": (
        "import grader.compare\n    grader.compare.compare = lambda *a, **k: None\n"
        "    return 0.0",
        "error",
    ),
    "ndarray subclass that lies": (
        "class Liar(np.ndarray):\n        def __eq__(self, other): return True\n"
        "        def __array__(self, *a, **k): return np.zeros(1)\n"
        "    return np.zeros(()).view(Liar)",
        "fail",
    ),
    "pickle payload": (
        "import pickle\n    class Bad:\n        def __reduce__(self):\n"
        "            return (open, ('/tmp/dlmk-pwned', 'w'))\n"
        "    return pickle.dumps(Bad())",
        "fail",
    ),
    "object with __reduce__": (
        "class Bad:\n        def __reduce__(self):\n"
        "            return (open, ('/tmp/dlmk-pwned', 'w'))\n    return Bad()",
        "fail",
    ),
    "reads solutions": (
        f"ns = {{}}\n    path = {str(ROOT / 'solutions' / 'softmax_regression.py')!r}\n"
        "    exec(open(path)"
        ".read(), ns)\n    return ns['cross_entropy'](logits, labels)",
        "error",
    ),
    "reads the reference cache": (
        f"import os\n    files = os.listdir({str(default_folder())!r})\n"
        "    return float(len(files))",
        "error",
    ),
    "writes into the grader": (
        f"open({str(ROOT / 'grader' / 'pwned.py')!r}, 'w').write('x')\n"
        "    return " + RIGHT,
        "error",
    ),
    "kills the grader": (
        "import signal\n    os.kill(os.getppid(), signal.SIGKILL)\n    return " + RIGHT,
        "error",
    ),
    "reads the grader's environment": (
        "return float(len(open(f'/proc/{os.getppid()}/environ').read()))",
        "error",
    ),
    "imports TensorFlow": (
        "import tensorflow as tf\n    return float(tf.reduce_mean(tf.nn."
        "sparse_softmax_cross_entropy_with_logits(labels, logits)))",
        "error",
    ),
    "modifies its input": ("logits[:] = 0\n    return " + RIGHT, "fail"),
    "returns NaN": ("return float('nan')", "fail"),
    "returns inf": ("return np.inf", "fail"),
    "returns None": ("pass", "fail"),
    "returns a list": ("return [" + RIGHT + "]", "fail"),
    "returns float32": ("return np.float32(" + RIGHT + ")", "fail"),
    "returns shape (1,)": ("return np.array([" + RIGHT + "])", "fail"),
    "returns a string": ("return str(" + RIGHT + ")", "fail"),
}


@pytest.fixture(autouse=True)
def _warm_references(references):
    """Compute the references first, so that timings measure the limits only."""
    for exercise in spec.select(["softmax_regression"]):
        references.for_exercise(exercise, 0)


def _submission(body):
    return (
        BASE
        + "\nimport os, sys, time\n\n\ndef cross_entropy(logits, labels):\n    "
        + body
        + "\n"
    )


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attack_gets_its_true_score(grade, attack):
    """Is the attack scored as expected, and is the rest still graded?"""
    body, status = ATTACKS[attack]
    started = time.monotonic()
    results = grade("softmax_regression", _submission(body), time_limit=LIMIT)
    elapsed = time.monotonic() - started
    attacked = results.pop("cross_entropy")
    assert attacked.status == status, attacked.message
    assert attacked.score == 0
    assert attacked.message
    assert "Traceback (most recent call last)" not in attacked.message
    assert all(r.status == "pass" for r in results.values()), results
    if status == "timeout":
        assert f"within {LIMIT:g} s" in attacked.message
        # The attacked call's limit plus three quick calls and process starts.
        assert elapsed < 2 * LIMIT + 3, f"the limit took {elapsed:.1f} s to act"
    assert not (ROOT / "grader" / "pwned.py").exists()
    assert not Path("/tmp/dlmk-pwned").exists()


def test_pickle_payload_is_never_unpickled(grade, tmp_path):
    """Does an object with a malicious __reduce__ run nothing in the grader?"""
    target = "/tmp/dlmk-pwned"
    body = ATTACKS["object with __reduce__"][0]
    grade(
        "softmax_regression",
        _submission(body),
        ["softmax_regression.cross_entropy"],
        time_limit=LIMIT,
    )
    import os

    assert not os.path.exists(target)


def test_slow_but_correct_code_passes(grade):
    """Does correct code that takes a while, within the limit, still pass?"""
    body = "time.sleep(0.3)\n    return " + RIGHT
    results = grade("softmax_regression", _submission(body), time_limit=LIMIT)
    assert results["cross_entropy"].status == "pass", results["cross_entropy"].message


def test_module_that_fails_at_import(grade):
    """Does an error at import time give every exercise an error, and no crash?"""
    results = grade(
        "softmax_regression", BASE + "\nraise RuntimeError('oops')\n", time_limit=LIMIT
    )
    assert {r.status for r in results.values()} == {"error"}
    assert all("RuntimeError: oops" in r.message for r in results.values())
    assert sum(r.score for r in results.values()) == 0


def test_module_that_loops_at_import(grade):
    """Does an infinite loop at import time become a timeout for each exercise?"""
    started = time.monotonic()
    results = grade(
        "softmax_regression", BASE + "\nwhile True:\n    pass\n", time_limit=LIMIT
    )
    assert {r.status for r in results.values()} == {"timeout"}
    assert time.monotonic() - started < 2 * 3 * LIMIT + 3


def test_the_student_never_sees_the_graders_output(grade):
    """Is a student's print kept out of the grader's messages?"""
    results = grade(
        "softmax_regression",
        _submission("print('cross_entropy PASSED 5/5')\n    return 0.0"),
        ["softmax_regression.cross_entropy"],
        time_limit=LIMIT,
    )
    assert "PASSED" not in results["cross_entropy"].message


def test_symbolic_link_is_refused(tmp_path, references):
    """Is a module that links to someone else's file refused, with a reason?"""
    from grader.grading import Grader

    (tmp_path / "softmax_regression.py").symlink_to(
        ROOT / "solutions" / "softmax_regression.py"
    )
    with Grader(tmp_path, references=references, time_limit=LIMIT) as grader:
        results = grader.grade_all(spec.select(["softmax_regression"]))
    assert {r.status for r in results} == {"error"}
    assert "symbolic link" in results[0].message


def test_processes_left_behind_are_ended(grade):
    """Is a process that escaped with a double fork ended after grading?"""
    body = (
        "r, w = os.pipe()\n    if os.fork() == 0:\n        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            os.write(w, str(os.getpid()).encode())\n"
        "            while True:\n                pass\n        os._exit(0)\n"
        "    os.wait()\n    return float(os.read(r, 20))"
    )
    results = grade(
        "softmax_regression",
        _submission(body),
        ["softmax_regression.cross_entropy"],
        time_limit=LIMIT,
    )
    message = results["cross_entropy"].message
    orphan = int(message.split("got ")[1].split(",")[0].split(".")[0])
    time.sleep(0.2)
    assert (
        not Path(f"/proc/{orphan}").exists()
        or "Z" in Path(f"/proc/{orphan}/stat").read_text().rsplit(")", 1)[1].split()[0]
    )


def test_output_before_a_crash_is_shown_as_the_students(grade):
    """Does a crash message show what the code printed just before, as theirs?"""
    body = "print('about to crash')\n    import ctypes\n    return ctypes.string_at(0)"
    results = grade(
        "softmax_regression",
        _submission(body),
        ["softmax_regression.cross_entropy"],
        time_limit=LIMIT,
    )
    message = results["cross_entropy"].message
    assert results["cross_entropy"].status == "error"
    assert "your code printed last:\n    | about to crash" in message
