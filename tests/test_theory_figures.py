"""Are the committed figures exactly what scripts/make_figures.py draws?"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "theory" / "figures"


def test_figures_are_reproducible(tmp_path):
    """Does rerunning the figure script give the same files, byte for byte?"""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "make_figures.py"),
            "--out",
            str(tmp_path),
        ],
        check=True,
        timeout=120,
    )
    drawn = sorted(path.name for path in tmp_path.iterdir())
    committed = sorted(path.name for path in FIGURES.glob("*.svg"))
    assert drawn == committed, (
        f"the script draws {drawn} but theory/figures has {committed}; "
        "run python scripts/make_figures.py and commit theory/figures"
    )
    changed = [
        name
        for name in drawn
        if (tmp_path / name).read_bytes() != (FIGURES / name).read_bytes()
    ]
    assert not changed, (
        f"{changed} differ from a fresh run; run python scripts/make_figures.py "
        "and commit theory/figures (or, if the files change on every run, look "
        "for an unseeded random "
        "number or metadata in the script)"
    )


def test_sheets_use_every_figure():
    """Is every committed figure shown by some sheet?"""
    text = "".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "theory").glob("*.md")
    )
    unused = [
        path.name
        for path in FIGURES.glob("*.svg")
        if f"figures/{path.name}" not in text
    ]
    assert not unused, f"figures no sheet shows: {unused}"
