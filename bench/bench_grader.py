"""Speed and memory of the grader, as ratios measured in one run (not a test).

    python bench/bench_grader.py [--copies 50]

Prints, each against a baseline timed in the same run:
- warm `pytest exercises/ --kit-dir solutions` / `python -c "import tensorflow"`
  (goal <= 1.3, and far below 1 once the cache makes TensorFlow unnecessary);
- cold / warm `pytest exercises/` on the solutions;
- batch grading of N copies of the solutions: time per submission / one `check`
  (goal <= 0.25);
- peak memory of a cold `check` / peak memory of importing TensorFlow
  (goal <= 1.2).
The machine may be shared: rerun for steadier numbers; medians of three runs
are used where a run is short.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
    "stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(command, env, repeat=1):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_kib(command, env):
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dlmk-bench-"))
    env = {
        **os.environ,
        "DLMK_CACHE_DIR": str(work / "cache"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }
    python = sys.executable
    pytest_solutions = [
        python,
        "-m",
        "pytest",
        "exercises/",
        "-q",
        "--kit-dir",
        "solutions",
    ]
    check = [python, "-m", "grader", "check", "solutions"]

    import_tf = timed([python, "-c", "import tensorflow"], env, repeat=3)
    tf_peak = peak_kib([python, "-c", "import tensorflow"], env)
    check_peak = peak_kib(check, env)  # cold: computes every reference
    shutil.rmtree(work / "cache")
    cold = timed(pytest_solutions, env)
    warm = timed(pytest_solutions, env, repeat=3)
    one_check = timed(check, env, repeat=3)

    for i in range(args.copies):
        shutil.copytree(ROOT / "solutions", work / "class" / f"student{i:03d}")
    batch = timed(
        [
            python,
            "-m",
            "grader",
            "grade",
            str(work / "class"),
            "--out",
            str(work / "grades.csv"),
        ],
        env,
    )
    per_student = batch / args.copies

    print(f"import tensorflow:               {import_tf:7.2f} s")
    print(f"pytest exercises/ cold / warm:   {cold:7.2f} s / {warm:.2f} s")
    print(f"check solutions (warm):          {one_check:7.2f} s")
    print(
        f"grade {args.copies} copies:                {batch:7.2f} s "
        f"({per_student:.2f} s each)"
    )
    print(
        f"peak memory check / TF import:   {check_peak / 1024:7.0f} MiB / "
        f"{tf_peak / 1024:.0f} MiB"
    )
    print()
    print(f"warm pytest / import tensorflow:   {warm / import_tf:5.2f}  (goal <= 1.3)")
    print(f"cold / warm pytest:                {cold / warm:5.2f}")
    print(
        f"batch per submission / one check:  {per_student / one_check:5.2f}  "
        "(goal <= 0.25)"
    )
    print(
        f"peak memory / TF import floor:     {check_peak / tf_peak:5.2f}  (goal <= 1.2)"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
