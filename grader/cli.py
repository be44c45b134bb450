"""The command line: ``python -m grader check | list | stubs``."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from grader import report, spec
from grader.grading import Grader

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    return args.run(args, parser)


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m grader", description="DL Math Kit autograder."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="grade the modules of a folder")
    check.add_argument(
        "folder",
        nargs="?",
        default="exercises",
        help="folder with linear_regression.py, cnn.py, ... (default: exercises)",
    )
    check.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="module, module.function or a shell pattern ('cnn.conv2d_*')",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--seed", type=int, default=0, help="case seed (default 0)")
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="compute every reference anew; read and write no cache",
    )
    check.add_argument(
        "--time-limit",
        type=float,
        metavar="SECONDS",
        help="wall-clock limit of one call into student code "
        "(default: each exercise's own, 10 s for most)",
    )
    check.add_argument(
        "--gradescope",
        type=Path,
        metavar="FILE",
        help="also write Gradescope's results.json to FILE",
    )
    check.set_defaults(run=_check)

    batch = commands.add_parser("grade", help="grade a class: one folder per student")
    batch.add_argument(
        "submissions",
        type=Path,
        help="folder with one subfolder per student, each laid out like exercises/",
    )
    batch.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="CSV of scores; each student's JSON goes to FILE-json/",
    )
    batch.add_argument("--only", nargs="+", metavar="NAME", help="as for check")
    batch.add_argument("--seed", type=int, default=0, help="case seed (default 0)")
    batch.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="students graded at once (default: one per core)",
    )
    batch.add_argument("--no-cache", action="store_true", help="as for check")
    batch.add_argument(
        "--time-limit", type=float, metavar="SECONDS", help="as for check"
    )
    batch.set_defaults(run=_grade)

    listing = commands.add_parser("list", help="list exercises, points, theory")
    listing.set_defaults(run=_list)

    stubs = commands.add_parser("stubs", help="regenerate exercises/ from solutions/")
    stubs.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    stubs.add_argument("--out", type=Path, default=ROOT / "exercises")
    stubs.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a stub is out of date",
    )
    stubs.set_defaults(run=_stubs)

    from grader.nbgrader_course import add_commands

    add_commands(commands)
    return parser


def _check(args, parser):
    folder = Path(args.folder)
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder")
    unknown = spec.unmatched(args.only or [])
    if unknown:
        parser.error(
            f"no exercise matches {', '.join(unknown)} (see: python -m grader list)"
        )
    with Grader(
        folder, seed=args.seed, cache=not args.no_cache, time_limit=args.time_limit
    ) as grader:
        results = grader.grade_all(spec.select(args.only))
    if args.gradescope:
        args.gradescope.write_text(report.as_gradescope(results))
    if args.json:
        print(report.as_json(results))
    else:
        print(report.table(results))
        if report.details(results):
            print("\n" + report.details(results))
    return 0 if all(r.status == "pass" for r in results) else 1


def _grade(args, parser):
    from grader import batch

    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    unknown = spec.unmatched(args.only or [])
    if unknown:
        parser.error(f"no exercise matches {', '.join(unknown)}")
    try:
        reports = batch.grade_class(
            args.submissions,
            args.out,
            args.only,
            args.seed,
            args.jobs,
            not args.no_cache,
            batch.progress_bar(),
            args.time_limit,
        )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: run the same command again to grade the rest",
            file=sys.stderr,
        )
        return 130
    except BrokenProcessPool:
        print(
            "\na grading process died (out of memory?): what was written is kept; "
            "run the same command again to grade the rest",
            file=sys.stderr,
        )
        return 1
    print(
        f"graded {len(reports)} students: {args.out} and {batch.json_folder(args.out)}/"
    )
    return 0


def _list(args, parser):
    exercises = spec.all_exercises()
    width = max(len(e.full_name) for e in exercises)
    for e in exercises:
        print(f"{e.full_name:<{width}}  {e.points:>3g}  {e.theory}")
    return 0


def _stubs(args, parser):
    from grader import stubs

    if args.check:
        stale = [
            p
            for p, text in stubs.generate(args.solutions, args.out).items()
            if not p.exists() or p.read_text() != text
        ]
        for path in stale:
            print(f"out of date: {path} (run: python -m grader stubs)")
        return 1 if stale else 0
    for path in stubs.write(args.solutions, args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
