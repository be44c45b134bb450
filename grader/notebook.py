"""The notebook front end: grade the functions a student wrote in notebook cells.

The setup cell of a kit notebook calls ``start()``; the test cell under each
exercise calls ``check("module.function")``. ``check`` gathers the code of the
cells run so far (IPython's input history), keeps its definitions, writes them
to ``<module>.py`` in a temporary folder and grades that file with the same
``Grader`` as ``python -m grader check``. The student's functions therefore run
in the runner's child process under its time limit, never in the kernel: a
loop that swallows ``BaseException`` costs one exercise, not the notebook.

A passing check prints one line and returns None (nbgrader would read a
returned number as partial credit); a failing one raises ``ExerciseFailed``,
an ``AssertionError`` whose text is the grader's message and whose traceback
shows that message only.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
import tempfile
import warnings
from pathlib import Path

from grader import spec

# TensorFlow writes its start-up chatter to file descriptor 2; in a test cell,
# nbgrader scores any output on stderr as a failure.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

_KEPT_ALWAYS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_KEPT_IF_RAN = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign)


class ExerciseFailed(AssertionError):
    """An exercise did not pass; the text is the grader's message."""

    def _render_traceback_(self):
        # IPython shows these lines instead of a traceback into the grader.
        return str(self).splitlines()


class _Session:
    """What the kernel's IPython has run: the cells that raised, by number."""

    def __init__(self, shell):
        self.shell = shell
        self.failed: set[int] = set()

    def after_cell(self, result):
        if not result.success and result.execution_count is not None:
            self.failed.add(result.execution_count)


_session: _Session | None = None
_references = None


def start() -> None:
    """Record which cells raise, so that their assignments are left out.

    Called by the notebook's setup cell; calling it again is harmless.
    """
    global _session
    shell = _shell()
    if _session is not None and _session.shell is shell:
        return
    _session = _Session(shell)
    shell.events.register("post_run_cell", _session.after_cell)


def check(name: str, seed: int = 0, hidden: bool = False) -> None:
    """Grade exercise ``name`` ("module.function") on this notebook's code.

    Raises ``ExerciseFailed`` with the grader's message when it does not pass.
    ``hidden`` labels the message of cases the student has not seen.
    """
    __tracebackhide__ = True
    exercise = _exercise(name)
    shell = _shell()
    failed = _session.failed if _session is not None else set()
    cells = list(shell.history_manager.input_hist_parsed)
    result = grade_source(exercise, module_source(cells, failed), seed)
    label = "hidden cases (not shown in the notebook)" if hidden else ""
    if result.status == "pass":
        print(f"{label}: pass" if label else result.message)
        return None
    message = f"{label}: {result.message}" if label else result.message
    raise ExerciseFailed(message) from None


def grade_source(exercise, source: str, seed: int = 0):
    """The grader's ``Result`` for ``exercise`` when its module's text is ``source``."""
    from grader.grading import Grader

    global _references
    with tempfile.TemporaryDirectory(prefix="dlmk-notebook-") as folder:
        path = Path(folder) / f"{exercise.module}.py"
        path.write_text(source)
        with _quiet(), Grader(folder, seed=seed, references=_references) as grader:
            result = grader.grade(exercise)
            # Expected values are computed once per kernel (and cached on disk).
            _references = grader.references
    result.message = _in_notebook_words(result, exercise, str(path))
    return result


def module_source(cells: list[str], failed=frozenset()) -> str:
    """The module a student's notebook amounts to, from its cells in run order.

    ``cells[n]`` is the code of the cell run as number n (IPython's ``In``).
    Function and class definitions are kept from every cell that parses;
    imports and assignments only from cells that ran without an error (an
    assignment that raised in the notebook would break the whole module);
    everything else - calls, prints, loops, the test cells - is left out, so
    importing the module runs no exercise. Imports of the grader are dropped.
    """
    parts = []
    for number, cell in enumerate(cells):
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        lines = cell.splitlines()
        for node in tree.body:
            if not _keep(node, ran=number not in failed):
                continue
            first = min([node.lineno] + [d.lineno for d in _decorators(node)])
            if isinstance(node, _KEPT_ALWAYS):
                parts.append("\n".join(lines[first - 1 : node.end_lineno]))
            else:
                parts.append(ast.get_source_segment(cell, node))
    return "\n\n".join(parts) + "\n"


def _keep(node, ran):
    if isinstance(node, _KEPT_ALWAYS):
        return True
    if not ran or not isinstance(node, _KEPT_IF_RAN):
        return False
    if isinstance(node, ast.Import):
        return not any(_is_grader(alias.name) for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or not _is_grader(node.module or "")
    # Shell escapes and magics (x = !ls) exist in the kernel only.
    return not any(
        isinstance(n, ast.Name) and n.id == "get_ipython" for n in ast.walk(node)
    )


def _is_grader(module):
    return module == "grader" or module.startswith("grader.")


def _decorators(node):
    return getattr(node, "decorator_list", [])


def _exercise(name):
    module = name.split(".")[0]
    # One chapter's specs load in a fraction of the time of all of them.
    try:
        chapter = spec.load_chapter(module) if module in spec.CHAPTERS else []
    except ModuleNotFoundError:
        chapter = []
    found = [e for e in chapter if e.full_name == name]
    if not found:
        raise ValueError(
            f"no exercise is called {name!r}; the names are "
            "module.function, as `python -m grader list` shows"
        )
    return found[0]


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise RuntimeError(
            "grader.notebook works inside a Jupyter notebook; in a "
            "terminal, use `python -m grader check` instead"
        )
    return shell


def _in_notebook_words(result, exercise, path):
    """Speak of the notebook, not of the temporary module it was written to."""
    function = exercise.name
    if result.status == "missing":
        return (
            f"{function}: not defined in this notebook; run the cell that "
            "defines it (if that cell shows an error, fix it first)"
        )
    message = result.message.replace(path, "your notebook")
    prefix = f"importing {exercise.module}.py failed"
    if message.startswith(prefix):
        message = (
            "running the code of your notebook's cells failed" + message[len(prefix) :]
        )
    return message


@contextlib.contextmanager
def _quiet():
    """Keep library chatter (TensorFlow, warnings) off the cell's stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
