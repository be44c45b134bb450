"""Chapter 4: are wrong CNN variants rejected and named, and do right ones pass?"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from conftest import ROOT, solution_source

from grader import spec, stubs
from grader.grading import Grader, make_cases

BASE = solution_source("cnn")
EXERCISES = spec.select(["cnn"])


def edit(old, new):
    """The solution with one line of it rewritten, as a student might."""
    assert BASE.count(old) == 1, f"not once in the solution: {old!r}"
    return BASE.replace(old, new)


def redefine(code):
    """The solution followed by a redefinition of one of its functions."""
    return BASE + "\n\n" + code


# Student-style variants --------------------------------------------------------

LOOP_CONV = """
def conv2d_forward(x, w, b, stride=1, padding=0):
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    xp = np.zeros((n, h + 2 * padding, wd + 2 * padding, c))
    xp[:, padding : padding + h, padding : padding + wd, :] = x
    h2 = (h + 2 * padding - kh) // stride + 1
    w2 = (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, h2, w2, f))
    for i in range(n):
        for r in range(h2):
            for s in range(w2):
                for k in range(f):
                    total = b[k]
                    for a in range(kh):
                        for d in range(kw):
                            for ch in range(c):
                                total += xp[i, r * stride + a, s * stride + d, ch] \\
                                    * w[a, d, ch, k]
                    out[i, r, s, k] = total
    return out


def conv2d_backward(dout, x, w, stride=1, padding=0):
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    xp = np.zeros((n, h + 2 * padding, wd + 2 * padding, c))
    xp[:, padding : padding + h, padding : padding + wd, :] = x
    dxp, dw, db = np.zeros_like(xp), np.zeros_like(w), np.zeros(f)
    for i in range(n):
        for r in range(dout.shape[1]):
            for s in range(dout.shape[2]):
                for k in range(f):
                    g = dout[i, r, s, k]
                    db[k] += g
                    for a in range(kh):
                        for d in range(kw):
                            for ch in range(c):
                                row, col = r * stride + a, s * stride + d
                                dw[a, d, ch, k] += xp[i, row, col, ch] * g
                                dxp[i, row, col, ch] += w[a, d, ch, k] * g
    return dxp[:, padding : padding + h, padding : padding + wd, :], dw, db
"""

LOOP_POOL = """
def maxpool2d_forward(x, size=2, stride=2):
    n, h, w, c = x.shape
    out = np.zeros((n, (h - size) // stride + 1, (w - size) // stride + 1, c))
    for i in range(n):
        for r in range(out.shape[1]):
            for s in range(out.shape[2]):
                for ch in range(c):
                    rows = slice(r * stride, r * stride + size)
                    cols = slice(s * stride, s * stride + size)
                    out[i, r, s, ch] = np.max(x[i, rows, cols, ch])
    return out


def maxpool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    n, h2, w2, c = dout.shape
    for i in range(n):
        for r in range(h2):
            for s in range(w2):
                for ch in range(c):
                    window = x[i, r * stride : r * stride + size,
                               s * stride : s * stride + size, ch]
                    a, d = np.unravel_index(np.argmax(window), window.shape)
                    dx[i, r * stride + a, s * stride + d, ch] {op} dout[i, r, s, ch]
    return dx
"""

MASK_POOL = """
def maxpool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    for r in range(dout.shape[1]):
        for s in range(dout.shape[2]):
            rows = slice(r * stride, r * stride + size)
            cols = slice(s * stride, s * stride + size)
            window = x[:, rows, cols, :]
            top = window == window.max(axis=(1, 2), keepdims=True)
            dx[:, rows, cols, :] += {share} * dout[:, r : r + 1, s : s + 1, :]
    return dx
"""

LAST_MAX_POOL = """
def maxpool2d_backward(dout, x, size=2, stride=2):
    dx = np.zeros_like(x)
    for (i, r, s, ch), g in np.ndenumerate(dout):
        rows, cols = slice(r * stride, r * stride + size), slice(s * stride, None)
        window = x[i, rows, cols, ch][:, :size]
        last = window.size - 1 - np.argmax(window.ravel()[::-1])
        dx[i, r * stride + last // size, s * stride + last % size, ch] += g
    return dx
"""

FLIPPED_BACKWARD = """
_cross_correlation_backward = conv2d_backward


def conv2d_backward(dout, x, w, stride=1, padding=0):
    dx, dw, db = _cross_correlation_backward(dout, x, w[::-1, ::-1], stride, padding)
    return dx, dw[::-1, ::-1], db
"""

NCHW_FLATTEN = edit(
    "flat = pooled.reshape(n, -1)", "flat = pooled.transpose(0, 3, 1, 2).reshape(n, -1)"
).replace(
    "dflat.reshape(pooled.shape)",
    "dflat.reshape(n, pooled.shape[3], *pooled.shape[1:3]).transpose(0, 2, 3, 1)",
)

WRONG = [  # (exercise, source, named mistake or None)
    ("relu_forward", edit("return np.maximum(x, 0.0)", "return np.abs(x)"), None),
    (
        "relu_forward",
        edit("return np.maximum(x, 0.0)", "x[x < 0] = 0\n    return x"),
        "input-mutated",
    ),
    ("relu_forward", edit("return np.maximum(x, 0.0)", "return (x > 0) * 1.0"), None),
    (
        "relu_forward",
        edit("return np.maximum(x, 0.0)", "return np.maximum(x, 0).astype(np.float32)"),
        None,
    ),
    ("relu_backward", edit("return dout * (x > 0)", "return (x > 0) * 1.0"), None),
    (
        "relu_backward",
        edit("return dout * (x > 0)", "return dout * np.maximum(x, 0)"),
        None,
    ),
    (
        "relu_backward",
        edit("return dout * (x > 0)", "return np.maximum(dout, 0)"),
        None,
    ),
    (
        "relu_backward",
        edit(
            "return dout * (x > 0)",
            "return np.where(x >= 0, 2 * dout, 0.0) - dout * (x > 0)",
        ),
        None,
    ),
    ("dense_forward", edit("return x @ W + b", "return x @ W"), None),
    ("dense_forward", edit("return x @ W + b", "return (x @ W + b).T"), "transposed"),
    ("dense_forward", edit("return x @ W + b", "return x @ W - b"), None),
    ("dense_backward", edit("dW = x.T @ dout", "dW = dout.T @ x"), "transposed"),
    ("dense_backward", edit("dx = dout @ W.T", "dx = W @ dout.T"), "transposed"),
    ("dense_backward", edit("db = dout.sum(axis=0)", "db = dout.sum(axis=1)"), None),
    ("dense_backward", edit("db = dout.sum(axis=0)", "db = dout.mean(axis=0)"), None),
    (
        "conv2d_forward",
        edit(
            "out = cols @ w.reshape(-1, f) + b",
            "out = cols @ w[::-1, ::-1].reshape(-1, f) + b",
        ),
        "flipped-kernel",
    ),
    (
        "conv2d_forward",
        edit("[:, ::stride, ::stride]\n    # im2col", "\n    # im2col"),
        None,
    ),
    (
        "conv2d_forward",
        edit("out = cols @ w.reshape(-1, f) + b", "out = cols @ w.reshape(-1, f)"),
        None,
    ),
    ("conv2d_backward", redefine(FLIPPED_BACKWARD), "flipped-kernel"),
    (
        "conv2d_backward",
        edit("return dxp[:, p : p + h, p : p + width], dw, db", "return dxp, dw, db"),
        None,
    ),
    (
        "conv2d_backward",
        edit("db = dout2d.sum(axis=0)", "db = dout.sum(axis=(1, 2))"),
        None,
    ),
    (
        "conv2d_backward",
        edit(
            "db = dout2d.sum(axis=0)",
            "db = dout2d.sum(axis=0) / dout.shape[0]",
        ),
        None,
    ),
    (
        "maxpool2d_forward",
        edit("return windows.max(axis=(4, 5))", "return windows.mean(axis=(4, 5))"),
        None,
    ),
    (
        "maxpool2d_forward",
        edit("return windows.max(axis=(4, 5))", "return windows.max(axis=(3, 4, 5))"),
        None,
    ),
    (
        "maxpool2d_forward",
        edit(
            "axis=(1, 2))[:, ::stride, ::stride]\n    return windows.max",
            "axis=(1, 2))[:, ::size, ::size]\n    return windows.max",
        ),
        None,
    ),
    ("maxpool2d_backward", redefine(LOOP_POOL.format(op="=")), "pool-overwrite"),
    ("maxpool2d_backward", redefine(MASK_POOL.format(share="top")), "tie-duplicated"),
    ("maxpool2d_backward", edit(".argmax(axis=-1)", ".argmin(axis=-1)"), None),
    ("maxpool2d_backward", redefine(MASK_POOL.format(share="1 / size**2")), None),
    ("cnn_loss_and_gradients", NCHW_FLATTEN, "flatten-order"),
    (
        "cnn_loss_and_gradients",
        edit("    dlogits /= n  # the loss is a mean over the batch\n", ""),
        "sum-not-mean",
    ),
    ("cnn_loss_and_gradients", edit("relu_backward(da2, z2)", "da2"), None),
    (
        "cnn_loss_and_gradients",
        edit(
            "da1 = maxpool2d_backward(dflat.reshape(pooled.shape), a1)",
            "da1 = maxpool2d_backward(dflat.reshape(pooled.shape), a1, 2, 1)",
        ),
        None,
    ),
]


@pytest.mark.parametrize(
    "name, source, mistake",
    WRONG,
    ids=[f"{w[0]}-{w[2] or i}" for i, w in enumerate(WRONG)],
)
def test_wrong_variant_is_rejected(grade, name, source, mistake):
    """Is a student-style wrong variant failed, with the right mistake named?"""
    result = grade("cnn", source, [f"cnn.{name}"])[name]
    assert result.status in ("fail", "error"), result.message
    assert result.score == 0
    assert result.diagnosis == mistake, result.message


def test_every_exercise_has_three_wrong_variants():
    """Does every cnn exercise have at least three wrong variants above?"""
    counts = {e.name: sum(w[0] == e.name for w in WRONG) for e in EXERCISES}
    assert min(counts.values()) >= 3, counts


def test_every_chapter_mistake_is_named_by_a_variant():
    """Is each mistake an exercise can name shown by some variant above?"""
    named = {w[2] for w in WRONG}
    wanted = {m for e in EXERCISES for m in e.mistakes}
    assert wanted <= named, wanted - named


SHAPE_MESSAGES = [
    (
        "conv2d_backward",
        "return dxp[:, p : p + h, p : p + width], dw, db",
        "return dxp, dw, db",
        "conv2d_backward -> dx: expected shape (1, 4, 4, 1), got shape (1, 6, 6, 1)",
    ),
    (
        "conv2d_backward",
        "db = dout2d.sum(axis=0)",
        "db = dout.sum(axis=(1, 2))",
        "conv2d_backward -> db: expected shape (1,), got shape (1, 1)",
    ),
]


@pytest.mark.parametrize("name, old, new, headline", SHAPE_MESSAGES)
def test_shape_mistake_gets_a_plain_shape_message(grade, name, old, new, headline):
    """Is padding left on dx, or db summed over the wrong axes, told as a shape?"""
    result = grade("cnn", edit(old, new), [f"cnn.{name}"])[name]
    assert result.message.splitlines()[0] == headline, result.message


RIGHT = [  # one module with every function written another way
    LOOP_CONV,
    LOOP_POOL.format(op="+="),
    """
def relu_forward(x):
    return np.where(x > 0, x, 0.0)


def relu_backward(dout, x):
    return np.where(x >= 0, dout, 0.0)  # dout at exactly 0 is a subgradient too


def dense_forward(x, W, b):
    return np.einsum("nd,dm->nm", x, W) + b[None, :]


def dense_backward(dout, x, W):
    dx = np.einsum("nm,dm->nd", dout, W)
    dW = sum(np.outer(x[i], dout[i]) for i in range(len(x)))
    return dx, dW, dout.sum(axis=0)


def cnn_loss_and_gradients(x, labels, params):
    n = len(x)
    z1 = conv2d_forward(x, params["conv_w"], params["conv_b"])
    a1 = relu_forward(z1)
    pooled = maxpool2d_forward(a1, 2, 2)
    z2 = dense_forward(pooled.reshape(n, -1), params["dense1_W"], params["dense1_b"])
    a2 = relu_forward(z2)
    logits = dense_forward(a2, params["dense2_W"], params["dense2_b"])
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    onehot = np.eye(logits.shape[1])[labels]
    loss = -np.mean(np.log(probs[np.arange(n), labels]))
    grads = {}
    d = (probs - onehot) / n
    d, grads["dense2_W"], grads["dense2_b"] = dense_backward(d, a2, params["dense2_W"])
    d, grads["dense1_W"], grads["dense1_b"] = dense_backward(
        relu_backward(d, z2), pooled.reshape(n, -1), params["dense1_W"])
    d = relu_backward(maxpool2d_backward(d.reshape(pooled.shape), a1, 2, 2), z1)
    _, grads["conv_w"], grads["conv_b"] = conv2d_backward(d, x, params["conv_w"])
    return np.array(loss), grads
""",
]


def test_differently_written_variants_pass(grade):
    """Do correct variants written another way (nested loops, einsum) all pass?

    The nested loops of conv2d and maxpool2d show that the graded cases are
    small enough for a plain Python loop within the time limit of one call.
    """
    results = grade("cnn", BASE + "\n\n".join(RIGHT), ["cnn"])
    failed = {name: r.message for name, r in results.items() if r.status != "pass"}
    assert not failed, failed
    assert len(results) == len(EXERCISES)


KINKS = [
    (
        "relu_backward",
        edit("return dout * (x > 0)", "return dout * np.where(x == 0, 0.5, x > 0)"),
    ),
    ("maxpool2d_backward", redefine(LAST_MAX_POOL)),
    (
        "maxpool2d_backward",
        redefine(MASK_POOL.format(share="top / top.sum(axis=(1, 2), keepdims=True)")),
    ),
]


@pytest.mark.parametrize(
    "name, source", KINKS, ids=["relu-half", "pool-last", "pool-split"]
)
def test_any_subgradient_at_a_kink_passes(grade, name, source):
    """Does another fair choice at a ReLU kink or a pooling tie pass?"""
    result = grade("cnn", source, [f"cnn.{name}"])[name]
    assert result.status == "pass", result.message


# The graded cases and their references -----------------------------------------


def test_cases_cover_what_students_get_wrong():
    """Do the conv and pool cases hold every stride, padding and shape asked for?"""
    conv = make_cases(spec.select(["cnn.conv2d_backward"])[0], seed=0)
    pool = make_cases(spec.select(["cnn.maxpool2d_backward"])[0], seed=0)
    assert {c.kwargs["stride"] for c in conv} >= {1, 2}
    assert {c.kwargs["padding"] for c in conv} >= {0, 1, 2}
    uneven = [
        c
        for c in conv
        if (c.inputs["x"].shape[2] + 2 * c.kwargs["padding"] - c.inputs["w"].shape[1])
        % c.kwargs["stride"]
    ]
    assert uneven
    assert any(c.inputs["x"].shape[1] != c.inputs["x"].shape[2] for c in conv)
    assert any(c.inputs["w"].shape[0] != c.inputs["w"].shape[1] for c in conv)
    assert any(c.inputs["x"].shape[0] > 1 and c.inputs["x"].shape[3] > 1 for c in conv)
    assert {(c.kwargs["size"], c.kwargs["stride"]) for c in pool} >= {(3, 1), (2, 1)}
    assert all(np.abs(c.inputs["dout"]).min() > 0 for c in conv + pool)


def _solution():
    path = ROOT / "solutions" / "cnn.py"
    module_spec = importlib.util.spec_from_file_location("cnn_solution", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def test_solution_runs_at_the_full_example_size():
    """Does the solution handle 28x28x1 images, 32 filters, 128 units, 10 classes?"""
    cnn, rng = _solution(), np.random.default_rng(4)
    x, labels = rng.normal(size=(8, 28, 28, 1)), rng.integers(10, size=8)
    params = {
        "conv_w": rng.normal(size=(3, 3, 1, 32)) / 3,
        "conv_b": np.zeros(32),
        "dense1_W": rng.normal(size=(13 * 13 * 32, 128)) / 74,
        "dense1_b": np.zeros(128),
        "dense2_W": rng.normal(size=(128, 10)) / 11,
        "dense2_b": np.zeros(10),
    }
    loss, grads = cnn.cnn_loss_and_gradients(x, labels, params)
    assert np.isfinite(loss) and 0 < loss < 10
    assert {k: g.shape for k, g in grads.items()} == {
        k: p.shape for k, p in params.items()
    }
    # a directional derivative checks all the gradients at once
    step = {k: rng.normal(size=p.shape) for k, p in params.items()}
    h = 1e-6
    upper = cnn.cnn_loss_and_gradients(
        x, labels, {k: p + h * step[k] for k, p in params.items()}
    )[0]
    lower = cnn.cnn_loss_and_gradients(
        x, labels, {k: p - h * step[k] for k, p in params.items()}
    )[0]
    along = sum(np.sum(grads[k] * step[k]) for k in params)
    assert np.isclose((upper - lower) / (2 * h), along, rtol=1e-4), along


def test_stubs_are_generated_and_not_implemented():
    """Is exercises/cnn.py the current stub, and is every function unimplemented?"""
    stub = stubs.make_stub(BASE, "cnn", "cnn.py")
    assert (ROOT / "exercises" / "cnn.py").read_text() == stub
    with Grader(ROOT / "exercises") as grader:
        results = grader.grade_all(EXERCISES)
    assert {r.status for r in results} == {"not_implemented"}


def _documented_returns(function):
    """(name, rank or None) per entry of the Returns section of a docstring."""
    section = function.__doc__.split("Returns\n    -------\n")[1].split("\n\n")[0]
    entries = []
    for line in section.splitlines():
        if line.startswith("    ") and not line.startswith("        "):
            name, _, kind = line.strip().partition(" : ")
            shape = kind.partition("of shape (")[2].partition(")")[0]
            letters = [part for part in shape.split(",") if part.strip()]
            entries.append((name, len(letters) if shape else None))
    return entries


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_documented_returns_match_real_outputs(exercise):
    """Do the docstring's return names and shapes match what the solution returns?"""
    function = getattr(_solution(), exercise.name)
    documented = _documented_returns(function)
    assert [name for name, _ in documented] == list(exercise.outputs)
    case = make_cases(exercise, seed=0)[-1]
    value = function(*case.inputs.values(), **case.kwargs)
    values = value if len(exercise.outputs) > 1 else (value,)
    for (name, rank), output in zip(documented, values, strict=True):
        if rank is not None:
            assert np.ndim(output) == rank, f"{exercise.name} -> {name}"
