"""Generate the student stubs in ``exercises/`` from the reference solutions.

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the
markers nbgrader uses) becomes one ``raise NotImplementedError`` naming the
exercise; everything else - imports, signatures, docstrings - is kept.
"""

from __future__ import annotations

import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HEADER = (
    "# Exercises generated from solutions/{name} by `python -m grader stubs`.\n"
    "# Replace each `raise NotImplementedError` with your code, then run\n"
    "# `pytest exercises/` to see what is right and what is not.\n"
)
_DEF = re.compile(r"^\s*def (\w+)\(")


class SolutionMarkerError(ValueError):
    """A solution file whose markers do not pair up."""


def make_stub(source: str, module: str, filename: str) -> str:
    """The stub text for one solution file's ``source``."""
    out, function, inside = [HEADER.format(name=filename)], None, False
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        match = _DEF.match(line)
        if match and not inside:
            function = match.group(1)
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise SolutionMarkerError(
                    f"{filename}:{number}: {BEGIN} inside a "
                    f"solution region; close it with {END}"
                )
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(_raise(indent, f"{module}.{function}: not implemented yet"))
        elif stripped == END:
            if not inside:
                raise SolutionMarkerError(
                    f"{filename}:{number}: {END} without a {BEGIN} before it"
                )
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{filename}: {BEGIN} is never closed; add {END}")
    return "".join(out)


def _raise(indent, message):
    line = f'{indent}raise NotImplementedError("{message}")\n'
    if len(line) <= 89:  # 88 columns and the newline
        return line
    return f'{indent}raise NotImplementedError(\n{indent}    "{message}"\n{indent})\n'


def generate(solutions: Path, exercises: Path) -> dict[Path, str]:
    """Stub text for every solution module, keyed by the stub's path."""
    return {
        exercises / path.name: make_stub(path.read_text(), path.stem, path.name)
        for path in sorted(Path(solutions).glob("*.py"))
        if not path.name.startswith("_")
    }


def write(solutions: Path, exercises: Path) -> list[Path]:
    """Write the stubs; return those whose text changed."""
    changed = []
    for path, text in generate(solutions, exercises).items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed
