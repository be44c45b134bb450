"""nbgrader courses built from the kit: ``python -m grader nbgrader build COURSE_DIR``.

One source assignment per chapter, ``source/<module>/<module>.ipynb``, read from
``solutions/<module>.py`` and the chapter's specs, so nothing about an exercise
is written twice: per exercise a locked task cell, a solution cell (the
function with its solution region inside nbgrader's markers) and a locked test
cell worth the exercise's points that calls ``grader.notebook.check`` on the
shown cases and, inside ``### BEGIN HIDDEN TESTS``, on the course's hidden seed.
Module-level code (imports, SymPy symbols) goes in a locked setup cell; the
chapter's theory sheet is copied next to the notebook so its links work.

Student code lives in notebook cells only: nbgrader copies any ``.py`` of the
source folder to the release as it is. ``nbgrader_config.py`` gets a block of
settings between two marker lines; what an instructor writes outside the block
is kept on every rebuild. A notebook edited by hand since the last build is
kept unless ``--force`` is given. ``--exam FILE`` adds an exam assignment.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from grader import spec
from grader.stubs import BEGIN

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
THEORY = ROOT / "theory"
STATE = ".dlmk-build.json"
BLOCK_BEGIN = "# >>> dl-math-kit: written by `python -m grader nbgrader build`"
BLOCK_END = "# <<< dl-math-kit"
EXECUTE_TIMEOUT = 600
_THEORY_PATH = re.compile(r"theory/[\w.-]+\.md(#[\w-]+)?")
_FIGURE = re.compile(r"\]\((figures/[^)#\s]+)")

HOW_TO = (
    "Run the setup cell first. For each exercise, write the function in its cell "
    "(replace the `raise NotImplementedError(...)` line), then run the test cell "
    "under it: your function runs in a separate process with a time limit per "
    "call and is compared with TensorFlow, SymPy and central differences. A "
    "failure says which output differs, where, and which theory section to "
    "reread.\n\n"
    "What is graded is the code of the cells you ran: functions, classes, imports "
    "and assignments (calls and prints are left out). Grading also uses cases "
    "you do not see here."
)


class BuildError(ValueError):
    """A course that cannot be built as asked; the text says how to fix it."""


# The command line --------------------------------------------------------------


def add_commands(commands) -> None:
    """Add ``python -m grader nbgrader build COURSE_DIR [--exam FILE]``."""
    nbgrader = commands.add_parser("nbgrader", help="build an nbgrader course")
    actions = nbgrader.add_subparsers(required=True, metavar="ACTION")
    build_cmd = actions.add_parser(
        "build", help="write nbgrader_config.py and source/<chapter>/<chapter>.ipynb"
    )
    build_cmd.add_argument("course_dir", type=Path, metavar="COURSE_DIR")
    build_cmd.add_argument(
        "--exam",
        type=Path,
        metavar="FILE",
        help="also build the exam described by this TOML file",
    )
    build_cmd.add_argument(
        "--chapters",
        nargs="+",
        metavar="MODULE",
        help="build these chapters only (default: every chapter, or none "
        "when --exam is given)",
    )
    build_cmd.add_argument(
        "--force",
        action="store_true",
        help="also replace notebooks edited since the last build",
    )
    build_cmd.set_defaults(run=_run_build)


def _run_build(args, parser):
    try:
        lines = build(
            args.course_dir, chapters=args.chapters, exam=args.exam, force=args.force
        )
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


# Building ----------------------------------------------------------------------


def chapters_available() -> list[str]:
    """The chapters whose specs exist, in the kit's order."""
    found = {exercise.module for exercise in spec.all_exercises()}
    return [module for module in spec.CHAPTERS if module in found]


def build(course_dir, chapters=None, exam=None, force=False) -> list[str]:
    """Write or update the course; return one line per thing done or noticed."""
    course = Path(course_dir)
    available = chapters_available()
    # --exam alone builds the exam only; with --chapters, those chapters too
    default = [] if exam is not None else available
    chosen = list(default if chapters is None else chapters)
    unknown = [c for c in chosen if c not in available]
    if unknown:
        raise BuildError(
            f"no chapter called {', '.join(unknown)}; the chapters are "
            f"{', '.join(available)}"
        )
    course.mkdir(parents=True, exist_ok=True)
    state = _load_state(course)
    seed = state.setdefault("hidden_seed", secrets.randbelow(2**31 - 2) + 1)
    files: dict[str, str] = {}
    for module in chosen:
        files.update(_assignment_files(module, chapter_notebook(module, seed)))
    if exam is not None:
        name, notebook, modules = exam_notebook(Path(exam), seed)
        files.update(_assignment_files(name, notebook))
    lines = [_write_config(course)]
    lines += _write_files(course, files, state, force)
    _save_state(course, state)
    lines += _leaks(course)
    return [line for line in lines if line]


@dataclass
class Chunk:
    """A top-level piece of a solution file: a function or module-level code."""

    name: str | None
    text: str
    node: ast.AST | None = None
    start: int = 0

    @property
    def has_solution(self) -> bool:
        return any(line.strip() == BEGIN for line in self.text.splitlines())


def read_module(path: Path) -> tuple[str, list[Chunk]]:
    """The docstring of a solution file and its chunks, in file order.

    A function's chunk starts after the previous statement, so comments above
    it stay with it; consecutive module-level statements form one chunk.
    """
    source = path.read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    docstring = ast.get_docstring(tree) or ""
    body = tree.body[1:] if docstring else tree.body
    starts = [_chunk_start(lines, node) for node in body] + [len(lines)]
    chunks: list[Chunk] = []
    for node, start, end in zip(body, starts, starts[1:], strict=False):
        text = "\n".join(lines[start:end]).strip("\n")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            chunks.append(Chunk(node.name, text, node))
        elif chunks and chunks[-1].name is None:
            chunks[-1].text = "\n".join(lines[chunks[-1].start : end]).strip("\n")
        else:
            chunks.append(Chunk(None, text, start=start))
    return docstring, chunks


def _chunk_start(lines, node):
    """Index of a statement's first line, with the column-0 comments above it.

    An indented comment above it (``    ### END SOLUTION``) ends the previous
    function and stays with that one.
    """
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    start -= 1
    above = start
    while above > 0 and (not lines[above - 1].strip() or lines[above - 1][0] == "#"):
        above -= 1
        if lines[above].startswith("#"):
            start = above
    return start


def chapter_notebook(module: str, seed: int):
    """The source notebook of one chapter."""
    docstring, chunks = read_module(SOLUTIONS / f"{module}.py")
    exercises = {e.name: e for e in spec.load_chapter(module)}
    missing = set(exercises) - {c.name for c in chunks}
    if missing:
        raise BuildError(
            f"solutions/{module}.py has no function {', '.join(missing)} "
            f"that grader/specs/{module}.py grades"
        )
    setup = chunks[0].text if chunks and chunks[0].name is None else ""
    rest = chunks[1:] if setup else chunks
    title, _, about = docstring.partition("\n")
    items = [_item(module, chunk, exercises.get(chunk.name)) for chunk in rest]
    sheets = sorted({e.theory.split("#")[0] for e in exercises.values()})
    return _notebook(title.rstrip("."), about.strip(), [setup], items, sheets, seed)


def _item(module, chunk, exercise, points=None):
    if exercise is not None:
        return ("exercise", module, chunk, exercise, points or exercise.points)
    if chunk.name is not None and chunk.has_solution:
        return ("ungraded", module, chunk, None, 0)
    return ("given", module, chunk, None, 0)


def exam_notebook(path: Path, seed: int):
    """(assignment name, notebook, modules) for the exam described in ``path``."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise BuildError(
                "reading an exam file needs Python 3.11 or the tomli "
                "package (pip install tomli)"
            ) from None
    try:
        described = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"{path}: {exc}") from None
    name = str(described.get("assignment", path.stem))
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise BuildError(f"{path}: assignment = {name!r}; use letters, digits, _ and -")
    picks = described.get("exercises")
    if not isinstance(picks, dict) or not picks:
        raise BuildError(
            f"{path}: add an [exercises] table, one line per exercise: "
            f'"linear_regression.mse_gradients" = 3'
        )
    known = {e.full_name: e for e in spec.all_exercises()}
    chosen = []
    for full_name, points in picks.items():
        if full_name not in known:
            raise BuildError(
                f"{path}: no exercise is called {full_name!r} "
                "(see: python -m grader list)"
            )
        if not isinstance(points, (int, float)) or points <= 0:
            raise BuildError(
                f"{path}: {full_name} = {points!r}; give a positive number of points"
            )
        chosen.append((known[full_name], float(points)))
    items, setups, modules = _exam_items(path, chosen)
    sheets = sorted({exercise.theory.split("#")[0] for exercise, _ in chosen})
    title = str(described.get("title", name))
    return name, _notebook(title, "", setups, items, sheets, seed), modules


def _exam_items(path, chosen):
    chunks_of = {}
    for exercise, _ in chosen:
        if exercise.module not in chunks_of:
            path_of = SOLUTIONS / f"{exercise.module}.py"
            chunks_of[exercise.module] = read_module(path_of)[1]
    owner: dict[str, str] = {}
    items, placed = [], set()
    for exercise, points in chosen:
        chunks = {c.name: c for c in chunks_of[exercise.module] if c.name}
        for name in _needs(chunks, exercise.name):
            if (exercise.module, name) in placed:
                continue
            if chunks[name].has_solution:
                raise BuildError(
                    f"{path}: {exercise.full_name} calls {name}; pick "
                    f"{exercise.module}.{name} too, before it"
                )
            items.append(_item(exercise.module, chunks[name], None))
            placed.add((exercise.module, name))
        items.append(_item(exercise.module, chunks[exercise.name], exercise, points))
        placed.add((exercise.module, exercise.name))
    for _, module, chunk, _, _ in items:
        if owner.setdefault(chunk.name, module) != module:
            raise BuildError(
                f"{path}: {owner[chunk.name]}.{chunk.name} and "
                f"{module}.{chunk.name} would share one name in the "
                "notebook; pick one of them"
            )
    setups = [
        chunks[0].text
        for chunks in chunks_of.values()
        if chunks and chunks[0].name is None
    ]
    return items, setups, list(chunks_of)


def _needs(chunks, name, seen=None):
    """Functions of the same file that ``name`` calls, dependencies first."""
    seen = set() if seen is None else seen
    order = []
    used = {n.id for n in ast.walk(chunks[name].node) if isinstance(n, ast.Name)}
    for other in sorted(used & set(chunks) - {name} - seen):
        seen.add(other)
        order += _needs(chunks, other, seen) + [other]
    return order


# Notebooks ---------------------------------------------------------------------


def _notebook(title, about, setups, items, sheets, seed):
    import nbformat

    points = sum(item[4] for item in items)
    about = _THEORY_PATH.sub(lambda m: f"[{m.group(0)}]({m.group(0)})", about)
    intro = f"# {title}\n\n" + (f"{about}\n\n" if about else "")
    unlinked = [sheet for sheet in sheets if f"]({sheet}" not in about]
    if unlinked:
        links = ", ".join(f"[{sheet}]({sheet})" for sheet in unlinked)
        intro += f"Theory: {links}.\n\n"
    intro += f"Worth {points:g} points.\n\n{HOW_TO}"
    cells = [_markdown("intro", intro)]
    setup = _merge_setups(setups)
    setup += "\n\nfrom grader.notebook import check, start\n\nstart()"
    cells.append(_code("setup", setup.strip("\n"), locked=True))
    number = 0
    for kind, module, chunk, exercise, worth in items:
        key = f"{module}-{chunk.name}" if chunk.name else f"{module}-code{len(cells)}"
        if kind == "given":
            cells.append(_code(f"{key}-given", chunk.text, locked=True))
        elif kind == "ungraded":
            cells.append(_code(key, chunk.text, solution=True))
        else:
            number += 1
            task = _task(number, chunk, exercise, worth)
            cells.append(_markdown(f"{key}-task", task))
            cells.append(_code(key, chunk.text, solution=True))
            cells.append(
                _code(f"{key}-test", _test(exercise, seed), locked=True, points=worth)
            )
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        },
        "language_info": {"name": "python"},
    }
    return notebook


def _merge_setups(setups):
    """Module-level code of one or more files; a statement repeated is kept once."""
    if len(setups) == 1:
        return setups[0]
    seen, kept = set(), []
    for text in setups:
        for node in ast.parse(text).body:
            segment = ast.get_source_segment(text, node)
            if segment not in seen:
                seen.add(segment)
                kept.append(segment)
    return "\n".join(kept)


def _task(number, chunk, exercise, points):
    node = chunk.node
    summary = (ast.get_docstring(node) or "").split("\n\n")[0].replace("\n", " ")
    unit = "point" if points == 1 else "points"
    return (
        f"## {number}. `{node.name}({ast.unparse(node.args)})` - {points:g} {unit}"
        f"\n\n{summary}\n\nTheory: [{exercise.theory}]({exercise.theory})"
    )


def _test(exercise, seed):
    name = exercise.full_name
    return (
        f'check("{name}")\n### BEGIN HIDDEN TESTS\n'
        f'check("{name}", seed={seed}, hidden=True)\n### END HIDDEN TESTS'
    )


def _nbgrader_metadata(
    grade_id, grade=False, solution=False, locked=False, points=None
):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(grade_id, text):
    import nbformat

    cell = nbformat.v4.new_markdown_cell(
        text, metadata=_nbgrader_metadata(grade_id, locked=True)
    )
    cell.id = _cell_id(grade_id)
    return cell


def _code(grade_id, text, solution=False, locked=False, points=None):
    import nbformat

    metadata = _nbgrader_metadata(
        grade_id,
        grade=points is not None,
        solution=solution,
        locked=locked,
        points=points,
    )
    cell = nbformat.v4.new_code_cell(text, metadata=metadata)
    cell.id = _cell_id(grade_id)
    return cell


def _cell_id(grade_id):
    # Fixed ids keep a rebuild byte-identical; nbformat allows 64 characters.
    if len(grade_id) <= 64:
        return grade_id
    return grade_id[:55] + "-" + hashlib.sha1(grade_id.encode()).hexdigest()[:8]


def _assignment_files(name, notebook):
    import nbformat

    try:
        from nbgrader.nbgraderformat import MetadataValidator
    except ImportError as exc:
        raise BuildError(
            "nbgrader is not installed: pip install -e '.[instructor]'"
        ) from exc
    MetadataValidator().validate_nb(notebook)
    nbformat.validate(notebook)
    folder = f"source/{name}"
    files = {f"{folder}/{name}.ipynb": nbformat.writes(notebook) + "\n"}
    # Every sheet, not only the chapter's: the sheets link to one another.
    sheets = [f"theory/{path.name}" for path in sorted(THEORY.glob("*.md"))]
    for sheet in sheets:
        text = (ROOT / sheet).read_text()
        files[f"{folder}/{sheet}"] = text
        for figure in _FIGURE.findall(text):
            if (THEORY / figure).is_file():
                files[f"{folder}/theory/{figure}"] = (THEORY / figure).read_text()
    return files


# Writing -----------------------------------------------------------------------


def config_block(course_id: str) -> str:
    """The settings the kit needs, between the two marker lines."""
    return f"""{BLOCK_BEGIN}
# Rewritten by every build; put your own settings below the closing marker.
from nbgrader.converters import GenerateAssignment as _GenerateAssignment
from nbgrader.converters import GenerateFeedback as _GenerateFeedback
from nbgrader.preprocessors import ClearHiddenTests as _ClearHiddenTests
from nbgrader.preprocessors import ClearSolutions as _ClearSolutions

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
c.CourseDirectory.course_id = {course_id!r}
# Stubs as in exercises/: raise NotImplementedError("<module>.<function>: ...").
c.GenerateAssignment.preprocessors = [
    "grader.nbgrader_course.ClearSolutionsAsExercises" if p is _ClearSolutions else p
    for p in _GenerateAssignment.preprocessors.default()
]
# A test cell deleted by a student is put back (and scored) at autograde; an
# edited one is overwritten from the source by nbgrader in any case.
c.OverwriteCells.add_missing_cells = True
# Feedback shows the hidden-test region of a test cell unless it is cleared.
c.GenerateFeedback.preprocessors = [
    *_GenerateFeedback.preprocessors.default(), _ClearHiddenTests
]
# A test cell grades one exercise on two seeds; every call into student code has
# the grader's own time limit, so this only bounds the whole cell, generously.
c.Execute.timeout = {EXECUTE_TIMEOUT}
# The source folders hold notebooks and theory sheets only (no .py to protect),
# so Autograde.exclude_overwriting needs no entry.
{BLOCK_END}
"""


def _write_config(course):
    path = course / "nbgrader_config.py"
    course_id = re.sub(r"[^A-Za-z0-9_-]", "-", course.resolve().name) or "course"
    old = path.read_text() if path.exists() else ""
    if BLOCK_BEGIN in old and BLOCK_END in old:
        before, _, rest = old.partition(BLOCK_BEGIN)
        _, _, after = rest.partition(BLOCK_END + "\n")
        old_id = re.search(r"course_id = (.*)", rest)
        if old_id:
            course_id = ast.literal_eval(old_id.group(1))
        new = before + config_block(course_id) + after
    else:
        new = config_block(course_id) + ("\n" + old if old else "")
    if new == old:
        return ""
    path.write_text(new)
    if not old:
        return "new      nbgrader_config.py"
    if BLOCK_BEGIN in old:
        return "updated  nbgrader_config.py (the dl-math-kit block)"
    return "updated  nbgrader_config.py (added the dl-math-kit block; your lines kept)"


def _write_files(course, files, state, force):
    written = state.setdefault("written", {})
    lines = []
    for relative, text in sorted(files.items()):
        path = course / relative
        new_hash = _sha(text)
        if not path.exists():
            lines.append(f"new      {relative}")
        else:
            old = path.read_text()
            if old == text:
                written[relative] = new_hash
                continue
            if written.get(relative) != _sha(old) and not force:
                lines.append(
                    f"kept     {relative}: edited since the last build "
                    "(--force replaces it)"
                )
                continue
            lines.append(f"updated  {relative}{_what_changed(relative, old, text)}")
            lines += _release_warning(course, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written[relative] = new_hash
    if not lines:
        lines.append(f"unchanged: {len(files)} files under {course / 'source'}")
    return lines


def _what_changed(relative, old, new):
    if not relative.endswith(".ipynb"):
        return ""
    before = {c.get("id"): c for c in json.loads(old).get("cells", [])}
    after = {c.get("id"): c for c in json.loads(new).get("cells", [])}
    changed = [key for key in after if key in before and before[key] != after[key]]
    parts = [
        f"{label} {', '.join(ids)}"
        for label, ids in (
            ("added", [k for k in after if k not in before]),
            ("removed", [k for k in before if k not in after]),
            ("changed", changed),
        )
        if ids
    ]
    return f" ({'; '.join(parts)})" if parts else ""


def _release_warning(course, relative):
    parts = relative.split("/")
    if len(parts) < 3 or not parts[2].endswith(".ipynb"):
        return []
    name = parts[1]
    if not (course / "release" / name).exists():
        return []
    return [
        f"         release/{name} is now out of date: nbgrader generate_assignment "
        f"{name} --force (without --force nbgrader skips it silently)"
    ]


def _leaks(course):
    leaks = sorted(p.relative_to(course) for p in (course / "source").rglob("*.py"))
    return [
        f"warning: {path} will be copied to the release as it is; keep student "
        "code in notebook cells"
        for path in leaks
    ]


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _load_state(course):
    path = course / STATE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save_state(course, state):
    (course / STATE).write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")


# The stub preprocessor ---------------------------------------------------------


def stub_cell(source: str, module: str) -> str:
    """A solution cell's text with each solution region replaced as in exercises/."""
    from grader.stubs import HEADER, make_stub

    filename = f"{module}.py"
    stub = make_stub(source, module, filename)
    return stub[len(HEADER.format(name=filename)) :].rstrip("\n")


def _module_of(cell):
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    module = grade_id.split("-")[0]
    return module if module in spec.CHAPTERS else None


def _clear_solutions_class():
    from nbgrader.preprocessors import ClearSolutions

    class ClearSolutionsAsExercises(ClearSolutions):
        """ClearSolutions whose stub names the exercise, as the stubs in exercises/."""

        def _replace_solution_region(self, cell, language):
            module = _module_of(cell)
            if cell.cell_type != "code" or module is None:
                return super()._replace_solution_region(cell, language)
            replaced = any(line.strip() == BEGIN for line in cell.source.splitlines())
            cell.source = stub_cell(cell.source, module)
            return replaced

    return ClearSolutionsAsExercises


def __getattr__(name):
    # nbgrader imports the preprocessor by name; nbgrader itself is imported only
    # then, so `python -m grader` works without it.
    if name == "ClearSolutionsAsExercises":
        globals()[name] = _clear_solutions_class()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
