"""Time the LSTM forward + backward of the solution against the raw-TF reference.

Run from the repository root: ``python bench/bench_lstm.py``. Inputs are
(N, T, D) = (8, 10, 16) with H = 32 units; upstream gradients on every hidden
state. The reference is the grader's oracle: the recurrence in raw TF ops in a
Python loop, eager, differentiated with ``tf.GradientTape``. Prints the median
of several repeats for each, and their ratio (solution / TensorFlow).
"""

import importlib.util
import os
import statistics
import sys
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from grader.oracles import tensorflow as tfo  # noqa: E402
from grader.specs.rnn import _tf_lstm_seq  # noqa: E402

N, T, D, H = 8, 10, 16, 32
REPEATS, NUMBER = 7, 10


def load_solution():
    spec = importlib.util.spec_from_file_location(
        "solution_rnn", ROOT / "solutions/rnn.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_seconds(function):
    runs = timeit.repeat(function, repeat=REPEATS, number=NUMBER)
    return statistics.median(runs) / NUMBER


def main():
    rng = np.random.default_rng(0)
    x, h0, c0 = (
        rng.normal(size=(N, T, D)),
        rng.normal(size=(N, H)),
        rng.normal(size=(N, H)),
    )
    Wx, Wh = rng.normal(size=(D, 4 * H)) / 4, rng.normal(size=(H, 4 * H)) / 6
    b, dhs = 0.1 * rng.normal(size=4 * H), rng.normal(size=(N, T, H))
    solution = load_solution()

    def numpy_pass():
        solution.lstm_forward(x, h0, c0, Wx, Wh, b)
        return solution.lstm_backward(dhs, x, h0, c0, Wx, Wh, b)

    upstream = np.stack([dhs, np.zeros_like(dhs)])

    def tensorflow_pass():
        return tfo.gradients(_tf_lstm_seq, [x, h0, c0, Wx, Wh, b], upstream)

    tensorflow_pass()  # the first call pays for TensorFlow's set-up
    ours, theirs = median_seconds(numpy_pass), median_seconds(tensorflow_pass)
    print(
        f"LSTM forward+backward, x {(N, T, D)}, {H} units "
        f"(median of {REPEATS} x {NUMBER} runs)"
    )
    print(f"  solution (NumPy):     {1e3 * ours:8.2f} ms")
    print(f"  reference (raw TF):   {1e3 * theirs:8.2f} ms")
    print(f"  ratio solution / TF:  {ours / theirs:8.2f}")


if __name__ == "__main__":
    main()
