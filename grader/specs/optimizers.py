"""Chapter 6: optimizers (contract: shared/exercise-api.md, chapter 6).

The contract's functions take one step, so each case is one step of a
trajectory: the case generator runs the contract's update in NumPy from a
start ``param0`` over a fixed sequence of gradients, and the case for step t
hands the student the state before step t (param, velocity or m and v, t) and
the gradient of step t. The student's step function is called once per case,
never chained, so one wrong step fails that case alone.

Oracles. TensorFlow: a live Keras optimizer (``SGD``, ``SGD(momentum=...)``,
``Adam``) is run from ``param0`` over the same gradients up to step t, and its
parameter and slot variables after step t are the expected values; so the
inputs of a case are checked, too, to be the state Keras reaches. Keras is
built with floatx float64 and ``np.float64`` hyperparameters: otherwise it
keeps its learning rate and momentum in float32 (0.9 becomes 0.8999999761...)
and drifts from a float64 answer by up to 1e-5 over tens of steps. SymPy:
the contract's formula for one step, evaluated with mpmath at high precision.

Trajectories include gradients of size at most 1e-4, where sqrt(v) is close
to eps and the place of eps changes the step, and calls with the default
arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from grader import diagnoses
from grader.diagnoses import Mistake
from grader.oracles import tensorflow as tfo
from grader.spec import SYMPY, TENSORFLOW, Case, Exercise
from grader.specs._common import sympy_value

MODULE = "optimizers"
SHEET = "theory/06-optimizers.md"
# Every oracle computes the same float64 formula; the states of tiny gradients
# (v ~ 1e-10) are compared relatively, so the absolute floor is far below them.
TOLERANCE = {TENSORFLOW: (1e-7, 1e-18), SYMPY: (1e-7, 1e-18)}
ADAM_DEFAULTS = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}

diagnoses.register(
    Mistake(
        "no-bias-correction",
        "your step leaves out the bias correction: scale "
        "the step by sqrt(1 - beta2**t) / (1 - beta1**t), with t counting from 1",
    ),
    Mistake(
        "eps-inside-sqrt",
        "your eps is inside the square root: Keras divides by "
        "sqrt(v) + eps, not sqrt(v + eps); it shows when gradients are tiny",
    ),
    Mistake(
        "paper-epsilon",
        "your Adam is the original paper's form, with eps added "
        "to sqrt(v_hat) after the bias correction - a fine Adam, differing from "
        "Keras' by a little (most for tiny gradients and early steps). This "
        "exercise asks for Keras' form: "
        "fold both corrections into the step size and add eps to sqrt(v)",
    ),
)


@dataclass(frozen=True)
class TrajectoryCase(Case):
    """One step of a trajectory: ``start`` param, ``grads`` up to this step, and
    every hyperparameter (defaults included) in ``settings``."""

    start: np.ndarray | None = None
    grads: tuple = ()
    settings: dict = field(default_factory=dict)


# The contract's updates, used to build the cases' states ----------------------


def _sgd(state, grad, lr):
    return {"param": state["param"] - lr * grad}


def _momentum(state, grad, lr, momentum):
    velocity = momentum * state["velocity"] - lr * grad
    return {"param": state["param"] + velocity, "velocity": velocity}


def _adam(state, grad, lr, beta1, beta2, eps):
    t = state["t"]
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return {
        "param": state["param"] - step * m / (np.sqrt(v) + eps),
        "m": m,
        "v": v,
        "t": t + 1,
    }


# Trajectories: (shape, gradient size, steps, graded steps, settings, keywords).
TRAJECTORIES = {
    "sgd_step": (
        _sgd,
        {},
        [
            ((3, 4), 1.0, 6, (1, 3, 6), {"lr": 0.1}, False),
            ((5,), 1e-4, 4, (4,), {"lr": 0.5}, False),
            ((2, 3, 2), 1.0, 3, (3,), {"lr": 0.01}, False),
        ],
    ),
    "momentum_step": (
        _momentum,
        {"velocity": 0.0},
        [
            ((3, 4), 1.0, 20, (1, 2, 20), {"lr": 0.05, "momentum": 0.9}, False),
            ((6,), 1e-4, 8, (8,), {"lr": 0.1, "momentum": 0.5}, False),
        ],
    ),
    "adam_step": (
        _adam,
        {"m": 0.0, "v": 0.0, "t": 1},
        [
            (
                (3, 4),
                1.0,
                25,
                (1, 2, 25),
                {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7},
                True,
            ),
            ((5,), 1e-4, 10, (1, 3, 10), dict(ADAM_DEFAULTS), None),
            (
                (2, 3),
                1e-4,
                6,
                (1, 6),
                {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
                True,
            ),
        ],
    ),
}


def _cases(name):
    """Cases for ``name``: the state before each graded step of each trajectory.

    The keyword flag of a trajectory says how hyperparameters are passed:
    False - positionally (SGD, momentum), True - as keywords, None - not at all
    (the student's defaults must be Keras').
    """
    update, slots, trajectories = TRAJECTORIES[name]

    def make(rng):
        cases = []
        for shape, size, steps, graded, settings, keywords in trajectories:
            start = rng.normal(size=shape)
            grads = [size * rng.uniform(-1, 1, size=shape) for _ in range(steps)]
            state = {"param": start} | {
                k: np.zeros(shape) if k != "t" else v for k, v in slots.items()
            }
            for t, grad in enumerate(grads, start=1):
                if t in graded:
                    cases.append(
                        _case(state, grad, settings, keywords, start, grads[:t], size)
                    )
                state = update(state, grad, **settings)
        return cases

    return make


def _case(state, grad, settings, keywords, start, grads, size):
    inputs = {"param": state["param"], "grad": grad}
    inputs |= {k: state[k] for k in ("velocity", "m", "v", "t") if k in state}
    kwargs = {}
    if keywords is False:
        inputs |= settings
    elif keywords:
        kwargs = dict(settings)
    note = f"step {len(grads)}" + (", tiny gradients" if size < 1e-3 else "")
    note += ", default arguments" if keywords is None else ""
    return TrajectoryCase(
        inputs,
        kwargs,
        note=note,
        start=start,
        grads=tuple(grads),
        settings=dict(settings),
    )


# TensorFlow: a live Keras optimizer over the same gradients -------------------------


def _keras(name):
    def oracle(case):
        tf, s = tfo.tf(), {k: np.float64(v) for k, v in case.settings.items()}
        with tfo.keras_float64() as keras:
            if name == "adam_step":
                optimizer = keras.optimizers.Adam(
                    learning_rate=s["lr"],
                    beta_1=s["beta1"],
                    beta_2=s["beta2"],
                    epsilon=s["eps"],
                )
            else:
                optimizer = keras.optimizers.SGD(
                    learning_rate=s["lr"], momentum=s.get("momentum", 0.0)
                )
            param = tf.Variable(case.start)
            for grad in case.grads:
                optimizer.apply_gradients([(tfo.constant(grad), param)])
            slots = {
                v.path.rsplit("_", 1)[-1]: tfo.numpy(v)
                for v in optimizer.variables
                if v.path.endswith(("_momentum", "_velocity"))
            }
        if name == "sgd_step":
            return tfo.numpy(param)
        if name == "momentum_step":
            return tfo.numpy(param), slots["momentum"]
        return tfo.numpy(param), slots["momentum"], slots["velocity"]

    return oracle


# SymPy: the contract's formula for one step --------------------------------------


def _sqrt(z):
    return np.vectorize(sympy.sqrt, otypes=[object])(z)


def sgd_formula(param, grad, lr):
    """param - lr * grad."""
    return param - lr * grad


def momentum_formula(param, grad, velocity, lr, momentum):
    """(param + velocity', velocity') with velocity' = momentum velocity - lr grad."""
    velocity = momentum * velocity - lr * grad
    return param + velocity, velocity


def adam_formula(param, grad, m, v, t, lr, beta1, beta2, eps):
    """Keras' Adam: eps added to sqrt(v), corrections folded into the step."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    step = lr * sympy.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - step * m / (_sqrt(v) + eps), m, v


def _sympy(formula, count):
    def oracle(case):
        values = list(case.inputs.values())
        values += [case.settings[k] for k in case.settings if k not in case.inputs]
        shapes = [np.shape(v) for v in values]
        outputs = [
            sympy_value(
                lambda *s, k=k: np.asarray(formula(*s)[k], dtype=object), shapes, values
            )
            for k in range(count)
        ]
        return outputs[0] if count == 1 else tuple(outputs)

    return oracle


def _sympy_sgd(case):
    values = list(case.inputs.values())
    return sympy_value(
        lambda *s: np.asarray(sgd_formula(*s), dtype=object),
        [np.shape(v) for v in values],
        values,
    )


# Variants ---------------------------------------------------------------------------


def _arguments(case):
    return list(case.inputs.values()), case.settings


def _sgd_uphill(case):
    (param, grad, lr), _ = _arguments(case)
    return param + lr * grad


def _momentum_uphill(case):
    (param, grad, velocity, lr, momentum), _ = _arguments(case)
    velocity = momentum * velocity + lr * grad
    return param + velocity, velocity


def _adam_variant(kind):
    def variant(case):
        (param, grad, m, v, t), s = _arguments(case)
        lr, beta1, beta2, eps = (s[k] for k in ("lr", "beta1", "beta2", "eps"))
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        step = {
            "no-bias-correction": lr * m / (np.sqrt(v) + eps),
            "eps-inside-sqrt": lr * m_hat * np.sqrt(1 - beta2**t) / np.sqrt(v + eps),
            "paper-epsilon": lr * m_hat / (np.sqrt(v_hat) + eps),
        }[kind]
        return param - step, m, v

    return variant


ADAM_MISTAKES = ("no-bias-correction", "eps-inside-sqrt", "paper-epsilon")


def _exercise(name, points, outputs, oracles, variants, also=()):
    return Exercise(
        MODULE,
        name,
        points,
        f"{SHEET}#{name}",
        _cases(name),
        outputs,
        oracles,
        tolerance=dict(TOLERANCE),
        mistakes=tuple(variants) + also,
        variants=variants,
    )


EXERCISES = [
    _exercise(
        "sgd_step",
        1,
        ("param",),
        {TENSORFLOW: _keras("sgd_step"), SYMPY: _sympy_sgd},
        {"sign-flipped": _sgd_uphill},
    ),
    _exercise(
        "momentum_step",
        2,
        ("param", "velocity"),
        {TENSORFLOW: _keras("momentum_step"), SYMPY: _sympy(momentum_formula, 2)},
        {"sign-flipped": _momentum_uphill},
    ),
    _exercise(
        "adam_step",
        3,
        ("param", "m", "v"),
        {TENSORFLOW: _keras("adam_step"), SYMPY: _sympy(adam_formula, 3)},
        {kind: _adam_variant(kind) for kind in ADAM_MISTAKES},
    ),
]
