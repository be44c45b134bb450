"""Reports: the score table a person reads and the JSON a program reads."""

from __future__ import annotations

import json

SYMBOLS = {
    "pass": "pass",
    "fail": "FAIL",
    "error": "ERROR",
    "timeout": "TIMEOUT",
    "not_implemented": "not implemented",
    "missing": "missing",
}


def total(results):
    return sum(r.score for r in results), sum(r.points for r in results)


def as_json(results) -> str:
    score, max_score = total(results)
    return json.dumps(
        {
            "score": score,
            "max_score": max_score,
            "exercises": [r.as_dict() for r in results],
        },
        indent=2,
    )


def as_gradescope(results) -> str:
    """Gradescope's ``results.json``: the total and one test per exercise."""
    score, max_score = total(results)
    tests = [
        {
            "name": r.name,
            "score": r.score,
            "max_score": r.points,
            "status": "passed" if r.status == "pass" else "failed",
            "output": r.message,
        }
        for r in results
    ]
    return json.dumps(
        {"score": score, "max_score": max_score, "tests": tests}, indent=2
    )


def table(results) -> str:
    """A fixed-width table of exercise, points and status, then the total."""
    width = max([len(r.name) for r in results] + [8])
    lines = [f"{'exercise':<{width}}  {'score':>9}  status", "-" * (width + 27)]
    for r in results:
        lines.append(
            f"{r.name:<{width}}  {_fraction(r.score, r.points)}  {SYMBOLS[r.status]}"
        )
    score, max_score = total(results)
    lines += ["-" * (width + 27), f"{'total':<{width}}  {_fraction(score, max_score)}"]
    return "\n".join(lines)


def _fraction(score, points):
    return f"{f'{score:g}/{points:g}':>9}"


def details(results) -> str:
    """The messages of everything that did not pass, one block each."""
    blocks = [r.message for r in results if r.status != "pass"]
    return "\n\n".join(blocks)
