"""Do the Python code blocks of the theory sheets run?

Every fenced ```python block of every sheet in ``theory/`` is executed, in the
order it appears. The blocks of one sheet share one namespace, so a later block
can use the arrays of an earlier one (as a reader pasting them into one
session would); different sheets never share a namespace. The blocks assert
their own numbers, so a worked example whose text and code drift apart fails
here.
"""

import linecache
import os
import re
from pathlib import Path

import pytest

# before TensorFlow is imported anywhere in this process
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

THEORY = Path(__file__).resolve().parent.parent / "theory"
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(path):
    """Return (line number, source) for each ```python block of one sheet."""
    text = path.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1))
        for match in FENCE.finditer(text)
    ]


SHEETS = sorted(THEORY.glob("*.md"))


def test_sheets_exist():
    """Are there sheets, and do some of them carry code?"""
    assert SHEETS, f"no sheets found in {THEORY}"
    assert sum(len(python_blocks(sheet)) for sheet in SHEETS) >= 5


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: path.name)
def test_sheet_code_blocks_run(sheet):
    """Does every python block of this sheet run without error, in order?"""
    namespace = {"__name__": f"theory_{sheet.stem.replace('-', '_')}"}
    text = sheet.read_text(encoding="utf-8")
    # tracebacks then show the sheet's own lines, with the sheet's line numbers
    linecache.cache[str(sheet)] = (len(text), None, text.splitlines(True), str(sheet))
    for line, source in python_blocks(sheet):
        padded = "\n" * (line - 1) + source
        exec(compile(padded, str(sheet), "exec"), namespace)  # noqa: S102
