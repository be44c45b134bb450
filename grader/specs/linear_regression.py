"""Chapter 1: linear regression (contract: shared/exercise-api.md, chapter 1)."""

from __future__ import annotations

import numpy as np

from grader import formulas
from grader.oracles import finite_differences as fd
from grader.oracles import tensorflow as tfo
from grader.spec import FINITE_DIFFERENCES, SYMPY, TENSORFLOW, Case, Exercise
from grader.specs._common import regression_data, sympy_gradients, sympy_value

MODULE = "linear_regression"
SHEET = "theory/01-linear-regression.md"


def _model_cases(rng):
    cases = []
    for n, d, small in [(5, 3, True), (4, 1, True), (12, 4, False)]:
        X, y, w, b = regression_data(rng, n, d)
        cases.append(Case({"X": X, "y": y, "w": w, "b": b}, batch=n, small=small))
    return cases


def _loss_of(X, y, w, b):
    return float(np.mean((y - (X @ w + b)) ** 2) / 2)


# predict -----------------------------------------------------------------------


def _predict_cases(rng):
    return [
        Case({k: c.inputs[k] for k in ("X", "w", "b")}, batch=c.batch, small=c.small)
        for c in _model_cases(rng)
    ]


def _predict_tf(case):
    tf = tfo.tf()
    X, w, b = (case.inputs[k] for k in ("X", "w", "b"))
    return tfo.numpy(tf.linalg.matvec(tfo.constant(X), tfo.constant(w)) + b)


def _predict_sympy(case):
    X, w, b = (case.inputs[k] for k in ("X", "w", "b"))
    if not case.small:
        return None
    return sympy_value(formulas.linear, [X.shape, w.shape, ()], [X, w, b])


# mse_loss ----------------------------------------------------------------------


def _loss_cases(rng):
    cases = []
    for n, small in [(5, True), (3, True), (20, False)]:
        y = rng.normal(size=n)
        cases.append(
            Case({"y_hat": y + rng.normal(size=n), "y": y}, batch=n, small=small)
        )
    return cases


def _loss_tf(case):
    tf = tfo.tf()
    y_hat, y = tfo.constant(case.inputs["y_hat"]), tfo.constant(case.inputs["y"])
    # Keras' MSE has no 1/2; the contract's has.
    return tfo.numpy(tf.reduce_mean(tf.square(y - y_hat)) / 2)


def _loss_sympy(case):
    y_hat, y = case.inputs["y_hat"], case.inputs["y"]
    if not case.small:
        return None
    return sympy_value(formulas.mse, [y_hat.shape, y.shape], [y_hat, y])


# mse_gradients -----------------------------------------------------------------


def _grad_tf(case):
    tf = tfo.tf()
    X, y, w, b = case.inputs.values()

    def loss(w_, b_):
        y_hat = tf.linalg.matvec(tfo.constant(X), w_) + b_
        return tf.reduce_mean(tf.square(tfo.constant(y) - y_hat)) / 2

    return tfo.gradients(loss, [w, b])


def _grad_sympy(case):
    X, y, w, b = case.inputs.values()
    if not case.small:
        return None
    dw, db = sympy_gradients(
        lambda X_, y_, w_, b_: formulas.mse(formulas.linear(X_, w_, b_), y_),
        [X.shape, y.shape, w.shape, ()],
        [X, y, w, b],
        wrt=(2, 3),
    )
    return dw, db


def _grad_fd(case):
    return fd.gradient(_loss_of, list(case.inputs.values()), wrt=(2, 3))


# gd_step -----------------------------------------------------------------------


def _step_cases(rng):
    cases = []
    for d, lr in [(3, 0.1), (5, 0.01)]:
        cases.append(
            Case(
                {
                    "w": rng.normal(size=d),
                    "b": float(rng.normal()),
                    "dw": rng.normal(size=d),
                    "db": float(rng.normal()),
                    "lr": lr,
                }
            )
        )
    return cases


def _step_tf(case):
    w, b, dw, db, lr = case.inputs.values()
    w_, b_ = tfo.variable(w), tfo.variable(b)
    w_.assign_sub(lr * tfo.constant(dw))
    b_.assign_sub(lr * db)
    return tfo.numpy(w_), tfo.numpy(b_)


def _step_uphill(case):
    w, b, dw, db, lr = case.inputs.values()
    return w + lr * dw, b + lr * db


# fit ---------------------------------------------------------------------------


def _fit_cases(rng):
    cases = []
    for n, d, lr, epochs in [(6, 2, 0.1, 25), (10, 3, 0.05, 40)]:
        X, y, w, b = regression_data(rng, n, d)
        cases.append(
            Case(
                {"X": X, "y": y, "lr": lr, "epochs": epochs, "w0": w, "b0": b}, batch=n
            )
        )
    return cases


def gradient_descent_tf(case, loss):
    """Run the contract's ``fit`` in TensorFlow: (w, b, losses before each step)."""
    tf = tfo.tf()
    X, y, lr, epochs, w0, b0 = case.inputs.values()
    w, b = tfo.variable(w0), tfo.variable(b0)
    losses = []
    for _ in range(epochs):
        with tf.GradientTape() as tape:
            value = loss(tfo.constant(X), tfo.constant(y), w, b)
        dw, db = tape.gradient(value, [w, b])
        losses.append(float(value.numpy()))
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
    return tfo.numpy(w), tfo.numpy(b), losses


def _mse_tf(X, y, w, b):
    tf = tfo.tf()
    return tf.reduce_mean(tf.square(y - (tf.linalg.matvec(X, w) + b))) / 2


EXERCISES = [
    Exercise(
        MODULE,
        "predict",
        1,
        f"{SHEET}#predict",
        _predict_cases,
        ("y_hat",),
        {TENSORFLOW: _predict_tf, SYMPY: _predict_sympy},
        mistakes=("sign-flipped",),
    ),
    Exercise(
        MODULE,
        "mse_loss",
        1,
        f"{SHEET}#mse_loss",
        _loss_cases,
        ("loss",),
        {TENSORFLOW: _loss_tf, SYMPY: _loss_sympy},
        mistakes=("missing-half", "sum-not-mean"),
    ),
    Exercise(
        MODULE,
        "mse_gradients",
        2,
        f"{SHEET}#mse_gradients",
        _model_cases,
        ("dw", "db"),
        {TENSORFLOW: _grad_tf, SYMPY: _grad_sympy, FINITE_DIFFERENCES: _grad_fd},
        mistakes=("missing-half", "sum-not-mean", "sign-flipped"),
    ),
    Exercise(
        MODULE,
        "gd_step",
        1,
        f"{SHEET}#gd_step",
        _step_cases,
        ("w", "b"),
        {TENSORFLOW: _step_tf},
        mistakes=("sign-flipped",),
        variants={"sign-flipped": _step_uphill},
    ),
    Exercise(
        MODULE,
        "fit",
        2,
        f"{SHEET}#fit",
        _fit_cases,
        ("w", "b", "losses"),
        {TENSORFLOW: lambda case: gradient_descent_tf(case, _mse_tf)},
        mistakes=("loss-after-update", "missing-half"),
        uses=("predict", "mse_loss", "mse_gradients", "gd_step"),
    ),
]
