"""The nbgrader course: built from the kit, graded by the real nbgrader."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader import nbgrader_course as course_builder
from grader import spec
from grader.notebook import module_source

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "linear_regression"
# The nbgrader of this interpreter, whether or not its scripts are on PATH.
NBGRADER = [sys.executable, "-m", "nbgrader"]
POINTS = {e.name: e.points for e in spec.load_chapter(CHAPTER)}
TOTAL = sum(POINTS.values())


# Helpers -----------------------------------------------------------------------


def _environment(base: Path) -> dict:
    """The grader importable, a kernelspec for this interpreter, no user config."""
    kernel = base / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True, exist_ok=True)
    (kernel / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    sys.executable,
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "Python 3",
                "language": "python",
            }
        )
    )
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {
        **os.environ,
        "PYTHONPATH": path,
        "JUPYTER_PATH": str(base / "jupyter"),
        "JUPYTER_CONFIG_DIR": str(base / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(base / "jupyter-runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        "DLMK_CACHE_DIR": str(base / "cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def _run(args, cwd, env, timeout=600):
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stderr}"
    return done


def _solution_texts(**replace):
    """Function name -> the solution's code without markers, as a student writes it."""
    _, chunks = course_builder.read_module(ROOT / "solutions" / f"{CHAPTER}.py")
    texts = {}
    for chunk in chunks:
        if chunk.name:
            lines = [
                line
                for line in chunk.text.splitlines()
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            ]
            texts[chunk.name] = "\n".join(lines)
    for name, (old, new) in replace.items():
        assert old in texts[name]
        texts[name] = texts[name].replace(old, new)
    return texts


WRONG_FIT = {"fit": ("return w, b, losses", "return w, b, losses[1:] + [0.0]")}
LOOPING_FIT = {
    "fit": (
        "    w, b, losses = w0, b0, []",
        "    while True:\n        try:\n            pass\n"
        "        except BaseException:\n            pass",
    )
}


def _fill(notebook, texts):
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = texts[meta["grade_id"].split("-", 1)[1]]
    return notebook


def _cell(notebook, grade_id):
    return next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def _as_module(texts):
    """The same code as a module, as in exercises/<module>.py."""
    setup = course_builder.read_module(ROOT / "solutions" / f"{CHAPTER}.py")[1][0]
    return setup.text + "\n\n\n" + "\n\n\n".join(texts.values()) + "\n"


# Students: (code, how the notebook was tampered with, expected score)
STUDENTS = {
    "correct": (_solution_texts(), None, TOTAL),
    "wrong": (_solution_texts(**WRONG_FIT), None, TOTAL - POINTS["fit"]),
    "looping": (_solution_texts(**LOOPING_FIT), None, TOTAL - POINTS["fit"]),
    "edited": (_solution_texts(**WRONG_FIT), "edit", TOTAL - POINTS["fit"]),
    "deleted": (_solution_texts(), "delete", TOTAL),
    "untouched": (None, None, 0.0),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course built, released, submitted by every student, autograded, exported."""
    base = tmp_path_factory.mktemp("nbgrader")
    root = base / "course"
    env = _environment(base)
    timings = {}
    started = time.monotonic()
    course_builder.build(root, chapters=[CHAPTER])
    _run([*NBGRADER, "generate_assignment", CHAPTER], root, env)
    release = root / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    for student, (texts, tamper, _) in STUDENTS.items():
        notebook = nbformat.read(release, as_version=4)
        if texts is not None:
            _fill(notebook, texts)
        test_cell = _cell(notebook, f"{CHAPTER}-fit-test")
        if tamper == "edit":
            test_cell.source = "pass"
        elif tamper == "delete":
            notebook.cells.remove(test_cell)
        folder = root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{CHAPTER}.ipynb")
    timings["build, release, submissions"] = time.monotonic() - started
    started = time.monotonic()
    _run([*NBGRADER, "autograde", CHAPTER], root, env, timeout=1200)
    timings["autograde, all students"] = time.monotonic() - started
    timings["autograde per student"] = timings["autograde, all students"] / len(
        STUDENTS
    )
    _run([*NBGRADER, "export", "--to", "grades.csv"], root, env)
    print("\nnbgrader timings (s):", json.dumps(timings, indent=1))
    return root, env


def _autograded(root, student):
    path = root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb"
    return nbformat.read(path, as_version=4)


def _nbgrader_verdicts(root, student):
    """Exercise -> (passed, error text) as nbgrader scored the student's test cells."""
    from nbgrader.api import Gradebook

    verdicts = {}
    notebook = _autograded(root, student)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for name, points in POINTS.items():
            grade = gradebook.find_grade(
                f"{CHAPTER}-{name}-test", CHAPTER, CHAPTER, student
            )
            errors = [
                o
                for o in _cell(notebook, f"{CHAPTER}-{name}-test").outputs
                if o.output_type == "error"
            ]
            text = "\n".join(errors[0].traceback) if errors else ""
            verdicts[name] = (grade.score == points, text)
    return verdicts


# The course as built -----------------------------------------------------------


@pytest.mark.parametrize("module", course_builder.chapters_available())
def test_stub_cells_match_exercises(module):
    """Does generate_assignment leave, for each function, the stub of exercises/?"""
    from grader.nbgrader_course import ClearSolutionsAsExercises

    notebook = course_builder.chapter_notebook(module, seed=1)
    ClearSolutionsAsExercises().preprocess(notebook, {})
    _, stubs = course_builder.read_module(ROOT / "exercises" / f"{module}.py")
    expected = {chunk.name: chunk.text for chunk in stubs if chunk.name}
    solution_cells = {
        c.metadata.nbgrader["grade_id"].split("-", 1)[1]: c.source
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    graded = {e.name for e in spec.load_chapter(module)}
    assert graded <= set(solution_cells)
    for name, source in solution_cells.items():
        assert source == expected[name], f"{module}.{name}: the release stub differs"


def test_notebook_cells_follow_nbgrader_schema():
    """Are grade ids unique and well formed, and test cells locked with the points?"""
    notebook = course_builder.chapter_notebook(CHAPTER, seed=7)
    ids = [c.metadata.nbgrader["grade_id"] for c in notebook.cells]
    assert len(ids) == len(set(ids))
    for name, points in POINTS.items():
        test = _cell(notebook, f"{CHAPTER}-{name}-test").metadata.nbgrader
        assert test == {
            "grade": True,
            "grade_id": f"{CHAPTER}-{name}-test",
            "locked": True,
            "points": points,
            "schema_version": 3,
            "solution": False,
        }
        source = _cell(notebook, f"{CHAPTER}-{name}-test").source
        assert "### BEGIN HIDDEN TESTS" in source and "seed=7" in source


def test_rebuild_is_safe_and_says_what_changed(tmp_path):
    """Is a rebuild quiet when nothing changed, and are hand edits kept?"""
    built = course_builder.build(tmp_path, chapters=[CHAPTER])
    assert f"new      source/{CHAPTER}/{CHAPTER}.ipynb" in built
    config = tmp_path / "nbgrader_config.py"
    config.write_text(config.read_text() + "c.Exchange.root = '/srv/exchange'\n")
    files = sum(1 for p in (tmp_path / "source").rglob("*") if p.is_file())
    assert course_builder.build(tmp_path, chapters=[CHAPTER]) == [
        f"unchanged: {files} files under {tmp_path / 'source'}"
    ]
    assert "c.Exchange.root = '/srv/exchange'" in config.read_text()

    path = tmp_path / "source" / CHAPTER / f"{CHAPTER}.ipynb"
    edited = path.read_text().replace("Predict targets", "Predict the targets")
    path.write_text(edited)
    kept = course_builder.build(tmp_path, chapters=[CHAPTER])
    assert any(line.startswith(f"kept     source/{CHAPTER}") for line in kept)
    assert path.read_text() == edited
    (tmp_path / "release" / CHAPTER).mkdir(parents=True)
    forced = course_builder.build(tmp_path, chapters=[CHAPTER], force=True)
    assert any("changed linear_regression-predict-task" in line for line in forced)
    assert any(
        "generate_assignment linear_regression --force" in line for line in forced
    )


def test_command_line_builds_and_refuses_unknown_chapters(tmp_path, capsys):
    """Does `python -m grader nbgrader build` say what it wrote, exit 2 on a typo?"""
    from grader import cli

    assert cli.main(["nbgrader", "build", str(tmp_path), "--chapters", CHAPTER]) == 0
    assert "new      nbgrader_config.py" in capsys.readouterr().out
    assert cli.main(["nbgrader", "build", str(tmp_path), "--chapters", "cnnn"]) == 2
    assert "no chapter called cnnn" in capsys.readouterr().err


def test_exam_picks_exercises_and_points(tmp_path):
    """Does an exam file give its exercises, its points and their helpers?"""
    exam = tmp_path / "midterm.toml"
    exam.write_text(
        'title = "Midterm"\n[exercises]\n'
        '"softmax_regression.softmax" = 3\n'
        '"linear_regression.mse_gradients" = 4\n'
    )
    lines = course_builder.build(tmp_path / "c", chapters=[CHAPTER], exam=exam)
    assert "new      source/midterm/midterm.ipynb" in lines
    notebook = nbformat.read(tmp_path / "c/source/midterm/midterm.ipynb", 4)
    points = {
        c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
        for c in notebook.cells
        if c.metadata.nbgrader["grade"]
    }
    assert points == {
        "softmax_regression-softmax-test": 3.0,
        "linear_regression-mse_gradients-test": 4.0,
    }
    assert notebook.cells[1].source.count("import numpy as np") == 1


@pytest.mark.parametrize(
    "picks, complaint",
    [
        ('"linear_regression.fit" = 2', "calls gd_step"),
        (
            '"linear_regression.predict" = 1\n"logistic_regression.predict" = 1',
            "would share one name",
        ),
        ('"linear_regression.nothing" = 1', "no exercise is called"),
        ('"linear_regression.predict" = 0', "positive number of points"),
    ],
)
def test_exam_mistakes_are_explained(tmp_path, picks, complaint):
    """Is an exam that cannot work refused with a sentence that says why?"""
    exam = tmp_path / "exam.toml"
    exam.write_text(f"[exercises]\n{picks}\n")
    with pytest.raises(course_builder.BuildError, match=complaint):
        course_builder.build(tmp_path / "c", chapters=[], exam=exam)


# The notebook's code as a module -----------------------------------------------


def test_module_source_keeps_definitions_only():
    """Are calls, prints, test cells and grader imports left out of the module?"""
    cells = [
        "",
        "import numpy as np\nfrom grader.notebook import check, start\nstart()",
        "def f(x):\n    return x + 1\nprint(f(1))",
        "y = f(2)\nfor i in range(10**9):\n    pass",
        'check("linear_regression.predict")',
        "z = undefined_name\n@staticmethod\ndef g():\n    pass",
        "def broken(:",
    ]
    source = module_source(cells, failed={5})
    assert source == (
        "import numpy as np\n\ndef f(x):\n    return x + 1\n\n"
        "y = f(2)\n\n@staticmethod\ndef g():\n    pass\n"
    )


# End to end --------------------------------------------------------------------


def test_autograde_gives_each_student_the_exact_score(course):
    """Do nbgrader's autograde and export give every student the expected score?"""
    root, _ = course
    with open(root / "grades.csv") as table:
        scores = {
            row["student_id"]: float(row["score"]) for row in csv.DictReader(table)
        }
    assert scores == {student: float(s) for student, (_, _, s) in STUDENTS.items()}


def test_release_has_no_solutions_and_no_hidden_tests(course):
    """Does the release have the stubs of exercises/, and no solution or hidden case?"""
    root, _ = course
    release = root / "release" / CHAPTER
    text = (release / f"{CHAPTER}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN" not in text
    assert "hidden=True" not in text and "return X @ w + b" not in text
    assert not list(release.rglob("*.py"))
    # nbgrader only logs a broken nbgrader_config.py; its stubs would then differ.
    _, stubs = course_builder.read_module(ROOT / "exercises" / f"{CHAPTER}.py")
    expected = {chunk.name: chunk.text for chunk in stubs if chunk.name}
    notebook = nbformat.read(release / f"{CHAPTER}.ipynb", as_version=4)
    for name in POINTS:
        assert _cell(notebook, f"{CHAPTER}-{name}").source == expected[name]


def test_feedback_hides_the_hidden_tests(course):
    """Does the feedback HTML leave out the hidden-test region and its seed?"""
    root, env = course
    _run([*NBGRADER, "generate_feedback", CHAPTER, "--student", "wrong"], root, env)
    html = next((root / "feedback" / "wrong" / CHAPTER).glob("*.html")).read_text()
    assert "fit: does not match" in html or "fit -&gt; losses" in html
    assert "HIDDEN TESTS" not in html and "hidden=True" not in html


def test_same_verdict_in_pytest_check_and_nbgrader(course, tmp_path):
    """Does the same code get the same verdict per exercise in all three front ends?"""
    root, env = course
    for student in ("wrong", "untouched"):
        texts = STUDENTS[student][0]
        folder = tmp_path / student
        folder.mkdir()
        source = (
            _as_module(texts)
            if texts
            else (ROOT / "exercises" / f"{CHAPTER}.py").read_text()
        )
        (folder / f"{CHAPTER}.py").write_text(source)

        checked = subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "check",
                folder,
                "--only",
                CHAPTER,
                "--json",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        by_check = {
            e["name"].split(".")[1]: e for e in json.loads(checked.stdout)["exercises"]
        }

        junit = tmp_path / f"{student}.xml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "exercises/test_exercises.py",
                "-q",
                "--kit-dir",
                folder,
                "-k",
                CHAPTER,
                f"--junitxml={junit}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=600,
        )
        by_pytest = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("name").split("[")[1].rstrip("]").split(".")[1]
            by_pytest[name] = not any(
                child.tag in ("failure", "error") for child in case
            )

        by_nbgrader = _nbgrader_verdicts(root, student)
        for name in POINTS:
            passed = by_check[name]["status"] == "pass"
            assert by_pytest[name] == passed, f"{student} {name}: pytest differs"
            assert by_nbgrader[name][0] == passed, f"{student} {name}: nbgrader differs"
            if not passed:
                assert by_nbgrader[name][1] == by_check[name]["message"]
        if student == "wrong":
            assert [n for n in POINTS if not by_nbgrader[n][0]] == ["fit"]


def test_exam_alone_builds_only_the_exam(tmp_path):
    """Does --exam without --chapters build the exam and no chapter?"""
    exam = tmp_path / "quiz.toml"
    exam.write_text('[exercises]\n"softmax_regression.softmax" = 1\n')
    course_builder.build(tmp_path / "c", exam=exam)
    assert sorted(p.name for p in (tmp_path / "c/source").iterdir()) == ["quiz"]


def test_links_between_copied_sheets_resolve(tmp_path):
    """Does every link of a released chapter's sheets land on a copied file?"""
    course_builder.build(tmp_path / "c", chapters=[CHAPTER])
    theory = tmp_path / "c/source" / CHAPTER / "theory"
    for sheet in theory.glob("*.md"):
        for target in re.findall(r"\]\(([\w.-]+\.md)(?:#[\w-]+)?\)", sheet.read_text()):
            assert (theory / target).is_file(), f"{sheet.name} links to {target}"
