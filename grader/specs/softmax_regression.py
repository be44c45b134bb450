"""Chapter 3: softmax regression (contract: shared/exercise-api.md, chapter 3)."""

from __future__ import annotations

import numpy as np

from grader import formulas
from grader.oracles import finite_differences as fd
from grader.oracles import symbolic
from grader.oracles import tensorflow as tfo
from grader.spec import FINITE_DIFFERENCES, SYMPY, TENSORFLOW, Case, Exercise

MODULE = "softmax_regression"
SHEET = "theory/03-softmax-regression.md"


def _logit_cases(rng):
    """Batches with n != K, every class present, and logits up to 1e3."""
    cases = []
    for n, k, scale, note in [
        (5, 3, 2.0, ""),
        (4, 6, 50.0, "logits around +-50"),
        (5, 4, 1e3, "logits around +-1e3"),
    ]:
        labels = rng.permutation(np.arange(n) % k).astype(np.int64)
        cases.append(
            Case(
                {"logits": rng.normal(size=(n, k)) * scale, "labels": labels},
                note=note,
                batch=n,
                small=True,
            )
        )
    return cases


def _stable_ce(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(labels)), labels]))


# softmax -----------------------------------------------------------------------


def _softmax_cases(rng):
    return [
        Case({"z": rng.normal(size=(5, 3)) * 2}, small=True),
        Case({"z": rng.normal(size=(2, 3, 4))}, note="three axes", small=True),
        Case(
            {"z": np.array([[1e4, 0.0, -1e4], [1e3, 1e3, -5.0]])},
            note="logits up to 1e4",
            small=True,
        ),
    ]


def _softmax_tf(case):
    return tfo.numpy(tfo.tf().nn.softmax(tfo.constant(case.inputs["z"]), axis=-1))


def _softmax_sympy(case):
    z = case.inputs["z"]
    symbols = symbolic.symbols("z", z.shape)
    return symbolic.evaluate(formulas.softmax(symbols), [(symbols, z)])


def _softmax_axis0(case):
    z = case.inputs["z"]
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


# cross_entropy -----------------------------------------------------------------


def _ce_tf(case):
    tf = tfo.tf()
    logits, labels = case.inputs.values()
    return tfo.numpy(
        tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels, tfo.constant(logits))
        )
    )


def _ce_sympy(case):
    logits, labels = case.inputs.values()
    symbols = symbolic.symbols("z", logits.shape)
    return symbolic.evaluate(
        formulas.cross_entropy(symbols, labels), [(symbols, logits)]
    )


# cross_entropy_gradient --------------------------------------------------------


def _gradient_tf(case):
    tf = tfo.tf()
    logits, labels = case.inputs.values()
    (dlogits,) = tfo.gradients(
        lambda z: tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z)
        ),
        [logits],
    )
    return dlogits


def _gradient_sympy(case):
    logits, labels = case.inputs.values()
    symbols = symbolic.symbols("z", logits.shape)
    loss = formulas.cross_entropy(symbols, labels)
    return symbolic.evaluate(symbolic.derivative(loss, symbols), [(symbols, logits)])


def _gradient_fd(case):
    logits, labels = case.inputs.values()
    return fd.gradient(lambda z: _stable_ce(z, labels), [logits], wrt=(0,))[0]


EXERCISES = [
    Exercise(
        MODULE,
        "softmax",
        1,
        f"{SHEET}#softmax",
        _softmax_cases,
        ("p",),
        {TENSORFLOW: _softmax_tf, SYMPY: _softmax_sympy},
        warning_free=True,
        mistakes=("not-finite", "wrong-axis"),
        variants={"wrong-axis": _softmax_axis0},
    ),
    Exercise(
        MODULE,
        "cross_entropy",
        2,
        f"{SHEET}#cross_entropy",
        _logit_cases,
        ("loss",),
        {TENSORFLOW: _ce_tf, SYMPY: _ce_sympy},
        warning_free=True,
        mistakes=("not-finite", "sum-not-mean", "sign-flipped"),
    ),
    Exercise(
        MODULE,
        "cross_entropy_gradient",
        2,
        f"{SHEET}#cross_entropy_gradient",
        _logit_cases,
        ("dlogits",),
        {
            TENSORFLOW: _gradient_tf,
            SYMPY: _gradient_sympy,
            FINITE_DIFFERENCES: _gradient_fd,
        },
        warning_free=True,
        mistakes=("not-finite", "sum-not-mean", "sign-flipped", "transposed"),
    ),
]
