"""Chapter 2: logistic regression (contract: shared/exercise-api.md, chapter 2)."""

from __future__ import annotations

import numpy as np

from grader import formulas
from grader.oracles import finite_differences as fd
from grader.oracles import tensorflow as tfo
from grader.spec import FINITE_DIFFERENCES, SYMPY, TENSORFLOW, Case, Exercise
from grader.specs._common import sympy_gradients, sympy_value
from grader.specs.linear_regression import gradient_descent_tf

MODULE = "logistic_regression"
SHEET = "theory/02-logistic-regression.md"


def _classification_data(rng, n, d, scale=1.0):
    X = rng.normal(size=(n, d)) * scale
    w = rng.normal(size=d)
    b = float(rng.normal())
    # Soft targets in [0, 1] and some exact 0/1: a 0/1-only y hides mistakes.
    y = np.clip(rng.uniform(-0.3, 1.3, size=n), 0.0, 1.0)
    return X, y, w, b


def _stable_bce(z, y):
    """Mean of log(1 + exp(z)) - y z: the contract's loss, in a stable form."""
    return float(np.mean(np.logaddexp(0, z) - y * z))


# sigmoid -----------------------------------------------------------------------


def _sigmoid_cases(rng):
    return [
        Case({"z": rng.normal(size=(4, 3)) * 3}, small=True),
        Case(
            {"z": np.array([-1e4, -1e3, -50.0, -1.0, 0.0, 1.0, 50.0, 1e3, 1e4])},
            note="large logits",
            small=True,
        ),
        Case({"z": np.array(0.7)}, note="a 0-d array"),
    ]


def _sigmoid_tf(case):
    return tfo.numpy(tfo.tf().math.sigmoid(tfo.constant(case.inputs["z"])))


def _sigmoid_sympy(case):
    z = case.inputs["z"]
    return sympy_value(formulas.sigmoid, [z.shape], [z])


# bce_loss ----------------------------------------------------------------------


def _bce_cases(rng):
    cases = []
    for n, scale, note in [
        (5, 2.0, ""),
        (6, 50.0, "logits around +-50"),
        (4, 1e3, "logits around +-1e3"),
    ]:
        y = np.clip(rng.uniform(-0.3, 1.3, size=n), 0.0, 1.0)
        cases.append(
            Case(
                {"z": rng.normal(size=n) * scale, "y": y},
                note=note,
                batch=n,
                small=True,
            )
        )
    return cases


def _bce_tf(case):
    tf = tfo.tf()
    z, y = tfo.constant(case.inputs["z"]), tfo.constant(case.inputs["y"])
    # Through logits: Keras' probability form clips at 1e-7.
    return tfo.numpy(tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, z)))


def _bce_sympy(case):
    z, y = case.inputs["z"], case.inputs["y"]
    return sympy_value(formulas.bce, [z.shape, y.shape], [z, y])


# bce_gradients -----------------------------------------------------------------


def _gradient_cases(rng):
    cases = []
    for n, d, scale, note in [
        (5, 3, 1.0, ""),
        (4, 2, 30.0, "large logits"),
        (16, 4, 1.0, ""),
    ]:
        X, y, w, b = _classification_data(rng, n, d, scale)
        cases.append(
            Case({"X": X, "y": y, "w": w, "b": b}, note=note, batch=n, small=n <= 5)
        )
    return cases


def _bce_of_logits_tf(X, y, w, b):
    tf = tfo.tf()
    z = tf.linalg.matvec(X, w) + b
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, z))


def _gradients_tf(case):
    X, y, w, b = case.inputs.values()
    return tfo.gradients(
        lambda w_, b_: _bce_of_logits_tf(tfo.constant(X), tfo.constant(y), w_, b_),
        [w, b],
    )


def _gradients_sympy(case):
    X, y, w, b = case.inputs.values()
    if not case.small:
        return None
    return sympy_gradients(
        lambda X_, y_, w_, b_: formulas.bce(formulas.linear(X_, w_, b_), y_),
        [X.shape, y.shape, w.shape, ()],
        [X, y, w, b],
        wrt=(2, 3),
    )


def _gradients_fd(case):
    return fd.gradient(
        lambda X, y, w, b: _stable_bce(X @ w + b, y),
        list(case.inputs.values()),
        wrt=(2, 3),
    )


# fit and predict ---------------------------------------------------------------


def _fit_cases(rng):
    cases = []
    for n, d, lr, epochs in [(8, 2, 0.5, 30), (12, 3, 0.1, 40)]:
        X, y, w, b = _classification_data(rng, n, d)
        cases.append(
            Case(
                {"X": X, "y": y, "lr": lr, "epochs": epochs, "w0": w, "b0": b}, batch=n
            )
        )
    return cases


def _predict_cases(rng):
    cases = []
    for n, d in [(7, 3), (10, 2)]:
        X, _, w, b = _classification_data(rng, n, d)
        z = X @ w + b
        # Keep logits away from the boundary, as the contract promises ...
        X = X[np.abs(z) > 1e-6]
        cases.append(Case({"X": X, "w": w, "b": b}))
    # ... except exactly 0, which must give class 1.
    cases.append(
        Case(
            {
                "X": np.array([[1.0, -1.0], [2.0, 0.5], [-1.0, -3.0]]),
                "w": np.array([1.0, 1.0]),
                "b": 0.0,
            },
            note="a logit exactly 0 gives class 1",
        )
    )
    return cases


def _predict_tf(case):
    tf = tfo.tf()
    X, w, b = case.inputs.values()
    logits = tf.linalg.matvec(tfo.constant(X), tfo.constant(w)) + b
    return tf.cast(tf.math.sigmoid(logits) >= 0.5, tf.int64).numpy()


EXERCISES = [
    Exercise(
        MODULE,
        "sigmoid",
        1,
        f"{SHEET}#sigmoid",
        _sigmoid_cases,
        ("s",),
        {TENSORFLOW: _sigmoid_tf, SYMPY: _sigmoid_sympy},
        warning_free=True,
        mistakes=("not-finite",),
    ),
    Exercise(
        MODULE,
        "bce_loss",
        2,
        f"{SHEET}#bce_loss",
        _bce_cases,
        ("loss",),
        {TENSORFLOW: _bce_tf, SYMPY: _bce_sympy},
        warning_free=True,
        mistakes=("not-finite", "sum-not-mean", "sign-flipped"),
    ),
    Exercise(
        MODULE,
        "bce_gradients",
        2,
        f"{SHEET}#bce_gradients",
        _gradient_cases,
        ("dw", "db"),
        {
            TENSORFLOW: _gradients_tf,
            SYMPY: _gradients_sympy,
            FINITE_DIFFERENCES: _gradients_fd,
        },
        warning_free=True,
        mistakes=("not-finite", "sum-not-mean", "sign-flipped", "missing-half"),
    ),
    Exercise(
        MODULE,
        "fit",
        2,
        f"{SHEET}#fit",
        _fit_cases,
        ("w", "b", "losses"),
        {TENSORFLOW: lambda case: gradient_descent_tf(case, _bce_of_logits_tf)},
        mistakes=("loss-after-update",),
        uses=("bce_loss", "bce_gradients"),
    ),
    Exercise(
        MODULE,
        "predict",
        1,
        f"{SHEET}#predict",
        _predict_cases,
        ("labels",),
        {TENSORFLOW: _predict_tf},
    ),
]
