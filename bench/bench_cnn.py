"""How fast is the reference conv2d, forward + backward, next to TensorFlow's?

Run ``python bench/bench_cnn.py``. It times the solution's ``conv2d_forward``
followed by ``conv2d_backward`` and ``tf.nn.conv2d`` under a ``GradientTape``
(forward, then the gradients with respect to x, w and b) on the same float64
arrays, keeps the best of several repeats of each, and prints the ratio. The
goal is a ratio of at most 3. A benchmark, not a test: timings depend on the
machine and its load.

Both sides get the same number of threads (``--threads``, default 1, which is
how the grader runs student code). On a busy machine, multi-threaded BLAS can
be several times slower than one thread, which says nothing about the code.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHAPES = {"x": (8, 32, 32, 3), "w": (3, 3, 3, 16)}


def limit_threads(threads):
    """One thread count for BLAS and TensorFlow; call before importing NumPy."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    from grader.oracles import tensorflow as tfo

    tf = tfo.tf()
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tf


def load_solution():
    path = ROOT / "solutions" / "cnn.py"
    spec = importlib.util.spec_from_file_location("cnn_solution", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numpy_step(cnn, x, w, b, dout):
    """Forward and backward pass of the reference solution."""

    def step():
        cnn.conv2d_forward(x, w, b, stride=1, padding=1)
        return cnn.conv2d_backward(dout, x, w, stride=1, padding=1)

    return step


def tensorflow_step(tf, x, w, b, dout):
    """Forward and backward pass of tf.nn.conv2d, eager, as the grader calls it."""
    x_, w_, b_ = (tf.Variable(v) for v in (x, w, b))
    dout_ = tf.constant(dout)
    pads = [[0, 0], [1, 1], [1, 1], [0, 0]]

    def step():
        with tf.GradientTape() as tape:
            out = tf.nn.conv2d(x_, w_, strides=1, padding=pads) + b_
        grads = tape.gradient(out, [x_, w_, b_], output_gradients=dout_)
        return [g.numpy() for g in grads]

    return step


def best_seconds(steps, repeat, number):
    """Best time per call of each step, the steps taking turns.

    Taking turns, and keeping the minimum of many short runs, lets both sides
    see the same machine: a burst of load from elsewhere slows one run of
    each, not all the runs of one side.
    """
    for step in steps:
        step()  # warm-up: first-call set-up is not what we measure
    best = [float("inf")] * len(steps)
    for _ in range(repeat):
        for index, step in enumerate(steps):
            seconds = timeit.timeit(step, number=number) / number
            best[index] = min(best[index], seconds)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--number", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    tf = limit_threads(args.threads)
    import numpy as np

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=SHAPES["x"]), rng.normal(size=SHAPES["w"])
    b, dout = rng.normal(size=SHAPES["w"][-1]), rng.normal(size=(8, 32, 32, 16))
    cnn = load_solution()

    # both sides must compute the same gradients, or the timing means nothing
    ours, theirs = numpy_step(cnn, x, w, b, dout), tensorflow_step(tf, x, w, b, dout)
    for got, expected in zip(ours(), theirs(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)

    numpy_time, tf_time = best_seconds([ours, theirs], args.repeat, args.number)
    print(f"x {SHAPES['x']}, w {SHAPES['w']}, stride 1, padding 1, float64")
    print(f"solution conv2d forward+backward: {numpy_time * 1e3:8.3f} ms")
    print(f"tf.nn.conv2d forward+backward:    {tf_time * 1e3:8.3f} ms")
    print(f"ratio (goal <= 3):                {numpy_time / tf_time:8.2f}x")
    print(f"threads: {args.threads} for NumPy's BLAS and for TensorFlow")


if __name__ == "__main__":
    main()
