"""Chapter 5: are wrong RNN and LSTM variants rejected and named, right ones passed?"""

import time

import numpy as np
import pytest
from conftest import ROOT

from grader import spec
from grader.compare import compare
from grader.grading import make_cases
from grader.runner import StudentModule

# An LSTM written with the gate blocks in (i, f, o, g) order, forward and back.
GATES_IFOG = """
def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    a = x_t @ Wx + h_prev @ Wh + b
    H = h_prev.shape[1]
    i, f, o = (_sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(a[:, 3 * H:])
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t

def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b):
    a = x_t @ Wx + h_prev @ Wh + b
    H = h_prev.shape[1]
    i, f, o = (_sigmoid(a[:, k * H:(k + 1) * H]) for k in range(3))
    g = np.tanh(a[:, 3 * H:])
    tanh_c = np.tanh(f * c_prev + i * g)
    dc = dc_t + dh_t * o * (1 - tanh_c**2)
    da = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                    dh_t * tanh_c * o * (1 - o), dc * i * (1 - g**2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x_t.T @ da, h_prev.T @ da, da.sum(0)
"""

WRONG = [
    (
        "rnn_step_forward",
        """
def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    return 1 / (1 + np.exp(-(x_t @ Wx + h_prev @ Wh + b)))
""",
        "sigmoid-vs-tanh",
    ),
    (
        "rnn_step_forward",
        """
def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    return np.tanh(x_t @ Wx + h_prev @ Wh.T + b)
""",
        "transposed",
    ),
    (
        "rnn_step_forward",
        """
def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    return np.tanh(x_t @ Wx + h_prev @ Wh)
""",
        None,
    ),
    (
        "rnn_step_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - np.tanh(h_t) ** 2)
    return da @ Wx.T, da @ Wh.T, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)
""",
        "tanh-twice",
    ),
    (
        "rnn_step_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - h_t**2)
    return da @ Wx.T, da @ Wh, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)
""",
        "transposed",
    ),
    (
        "rnn_step_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - h_t**2)
    return da @ Wx.T, da @ Wh.T, x_t.T @ da, da.T @ h_prev, da.sum(axis=0)
""",
        "transposed",
    ),
    (
        "rnn_step_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - h_t**2)
    return da @ Wx.T, da @ Wh.T, x_t.T @ da, h_prev.T @ da, da.mean(axis=0)
""",
        None,
    ),
    (
        "rnn_forward",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = 1 / (1 + np.exp(-(x[:, t] @ Wx + h @ Wh + b)))
        hs.append(h)
    return np.stack(hs, axis=1)
""",
        "sigmoid-vs-tanh",
    ),
    (
        "rnn_forward",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh.T + b)
        hs.append(h)
    return np.stack(hs, axis=1)
""",
        "transposed",
    ),
    (
        "rnn_forward",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    return np.stack([rnn_step_forward(x[:, t], h0, Wx, Wh, b)
                     for t in range(x.shape[1])], axis=1)
""",
        None,
    ),
    (
        "rnn_forward",
        """
def rnn_forward(x, h0, Wx, Wh, b):
    hs = [h0]
    for t in range(x.shape[1]):
        hs.append(rnn_step_forward(x[:, t], hs[-1], Wx, Wh, b))
    return np.stack(hs, axis=1)
""",
        None,
    ),
    (
        "rnn_backward",
        """
def rnn_backward(dhs, x, h0, hs, Wx, Wh):
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    for t in reversed(range(x.shape[1])):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dx[:, t], dh_prev, a, b_, c = rnn_step_backward(
            dhs[:, t], x[:, t], h_prev, hs[:, t], Wx, Wh)
        dWx += a; dWh += b_; db += c
    return dx, dh_prev, dWx, dWh, db
""",
        "bptt-no-carry",
    ),
    (
        "rnn_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - np.tanh(h_t) ** 2)
    return da @ Wx.T, da @ Wh.T, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)
""",
        "tanh-twice",
    ),
    (
        "rnn_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - h_t**2)
    return da @ Wx.T, da @ Wh, x_t.T @ da, h_prev.T @ da, da.sum(axis=0)
""",
        "transposed",
    ),
    (
        "rnn_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - h_t**2)
    return da @ Wx.T, da @ Wh.T, x_t.T @ da, da.T @ h_prev, da.sum(axis=0)
""",
        "transposed",
    ),
    (
        "rnn_backward",
        """
def rnn_backward(dhs, x, h0, hs, Wx, Wh):
    last = dhs[:, -1].copy()
    dhs = np.zeros_like(dhs)
    dhs[:, -1] = last  # as if only the last state reached the loss
    dx = np.zeros_like(x)
    dh = np.zeros_like(h0)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    for t in reversed(range(x.shape[1])):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dx[:, t], dh, a, b_, c = rnn_step_backward(
            dhs[:, t] + dh, x[:, t], h_prev, hs[:, t], Wx, Wh)
        dWx += a; dWh += b_; db += c
    return dx, dh, dWx, dWh, db
""",
        None,
    ),
    ("lstm_step_forward", GATES_IFOG, "gate-order"),
    (
        "lstm_step_forward",
        """
def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    a_i, a_f, a_g, a_o = np.split(x_t @ Wx + h_prev @ Wh + b, 4, axis=1)
    c_t = _sigmoid(a_f) * c_prev + _sigmoid(a_i) * _sigmoid(a_g)
    return _sigmoid(a_o) * np.tanh(c_t), c_t
""",
        "sigmoid-vs-tanh",
    ),
    (
        "lstm_step_forward",
        """
def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    a_i, a_f, a_g, a_o = np.split(x_t @ Wx + h_prev @ Wh + b, 4, axis=1)
    c_t = _sigmoid(a_f) * c_prev + _sigmoid(a_i) * np.tanh(a_g)
    return _sigmoid(a_o) * c_t, c_t
""",
        None,
    ),
    ("lstm_step_backward", GATES_IFOG, "gate-order"),
    (
        "lstm_step_backward",
        """
_right_step_backward = lstm_step_backward

def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b):
    return _right_step_backward(dh_t, 0 * dc_t, x_t, h_prev, c_prev, Wx, Wh, b)
""",
        "cell-path",
    ),
    (
        "lstm_step_backward",
        """
_right_step_backward = lstm_step_backward

def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b):
    dx, dh_prev, dc_prev, dWx, dWh, db = _right_step_backward(
        dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b)
    f = _sigmoid(np.split(x_t @ Wx + h_prev @ Wh + b, 4, axis=1)[1])
    return dx, dh_prev, dc_prev / f, dWx, dWh, db
""",
        "cell-path",
    ),
    (
        "lstm_step_backward",
        """
_right_step_backward = lstm_step_backward

def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b):
    grads = list(_right_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b))
    grads[4] = grads[4].T
    return tuple(grads)
""",
        "transposed",
    ),
    ("lstm_forward", GATES_IFOG, "gate-order"),
    (
        "lstm_forward",
        """
def lstm_forward(x, h0, c0, Wx, Wh, b):
    hs, cs, h, c = [], [], h0, c0
    for t in range(x.shape[1]):
        a_i, a_f, a_g, a_o = np.split(x[:, t] @ Wx + h @ Wh + b, 4, axis=1)
        c = _sigmoid(a_f) * c + _sigmoid(a_i) * _sigmoid(a_g)
        h = _sigmoid(a_o) * np.tanh(c)
        hs.append(h); cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)
""",
        "sigmoid-vs-tanh",
    ),
    (
        "lstm_forward",
        """
def lstm_forward(x, h0, c0, Wx, Wh, b):
    hs, cs, h = [], [], h0
    for t in range(x.shape[1]):
        h, c = lstm_step_forward(x[:, t], h, c0, Wx, Wh, b)
        hs.append(h); cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)
""",
        None,
    ),
    ("lstm_backward", GATES_IFOG, "gate-order"),
    (
        "lstm_backward",
        """
def lstm_backward(dhs, x, h0, c0, Wx, Wh, b):
    hs, cs = lstm_forward(x, h0, c0, Wx, Wh, b)
    dx = np.empty_like(x)
    dc = np.zeros_like(c0)
    dWx, dWh, db = 0, 0, 0
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (hs[:, t - 1], cs[:, t - 1]) if t > 0 else (h0, c0)
        dx[:, t], dh, dc, a, b_, c = lstm_step_backward(
            dhs[:, t], dc, x[:, t], h_prev, c_prev, Wx, Wh, b)
        dWx, dWh, db = dWx + a, dWh + b_, db + c
    return dx, dh, dc, dWx, dWh, db
""",
        "bptt-no-carry",
    ),
    (
        "lstm_backward",
        """
def lstm_backward(dhs, x, h0, c0, Wx, Wh, b):
    hs, cs = lstm_forward(x, h0, c0, Wx, Wh, b)
    dx = np.empty_like(x)
    dh = np.zeros_like(h0)
    dWx, dWh, db = 0, 0, 0
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (hs[:, t - 1], cs[:, t - 1]) if t > 0 else (h0, c0)
        dx[:, t], dh, dc, a, b_, c = lstm_step_backward(
            dhs[:, t] + dh, np.zeros_like(c0), x[:, t], h_prev, c_prev, Wx, Wh, b)
        dWx, dWh, db = dWx + a, dWh + b_, db + c
    return dx, dh, dc, dWx, dWh, db
""",
        "cell-path",
    ),
    (
        "lstm_backward",
        """
_right_backward = lstm_backward

def lstm_backward(dhs, x, h0, c0, Wx, Wh, b):
    dx, dh0, dc0, dWx, dWh, db = _right_backward(dhs, x, h0, c0, Wx, Wh, b)
    return dx, dh0, dc0, dWx, dWh, db / x.shape[0]
""",
        None,
    ),
    ("lstm_regression_loss_and_gradients", GATES_IFOG, "gate-order"),
    (
        "lstm_regression_loss_and_gradients",
        """
_right = lstm_regression_loss_and_gradients

def lstm_regression_loss_and_gradients(x, y, params):
    loss, grads = _right(x, y, params)
    halve = lambda g: {k: halve(v) for k, v in g.items()} if isinstance(g, dict) else (
        [halve(v) for v in g] if isinstance(g, list) else g / 2)
    return loss / 2, halve(grads)
""",
        "missing-half",
    ),
    (
        "lstm_regression_loss_and_gradients",
        """
def lstm_regression_loss_and_gradients(x, y, params):
    seq = x
    for layer in params["lstm"]:
        zeros = np.zeros((x.shape[0], layer["Wh"].shape[0]))
        seq, _ = lstm_forward(seq, zeros, zeros, layer["Wx"], layer["Wh"], layer["b"])
    y_hat = seq[:, -1] @ params["dense_W"] + params["dense_b"]
    return float(np.mean((y_hat - y) ** 2)), {}
""",
        None,
    ),
    (
        "lstm_regression_loss_and_gradients",
        """
_right = lstm_regression_loss_and_gradients

def lstm_regression_loss_and_gradients(x, y, params):
    loss, grads = _right(x, y, params)
    grads["dense_b"] = grads["dense_b"][0]
    return loss, grads
""",
        None,
    ),
]


@pytest.mark.parametrize(
    "name, code, mistake",
    WRONG,
    ids=[f"{n}-{m or 'unnamed'}-{k}" for k, (n, _, m) in enumerate(WRONG)],
)
def test_wrong_variant_is_rejected(variant, name, code, mistake):
    """Is a student-style wrong variant failed, with the mistake named?"""
    result = variant("rnn", name, code)
    assert result.status == "fail", result.message
    assert result.diagnosis == mistake, result.message


def test_every_chapter_mistake_is_recognised():
    """Is each of this chapter's named mistakes shown on some wrong variant?"""
    wanted = {
        "tanh-twice",
        "sigmoid-vs-tanh",
        "transposed",
        "bptt-no-carry",
        "gate-order",
        "cell-path",
    }
    assert wanted <= {mistake for _, _, mistake in WRONG}


def test_each_exercise_rejects_three_variants():
    """Does every exercise of the chapter have three wrong variants or more?"""
    counts = {e.name: 0 for e in spec.select(["rnn"])}
    for name, _, _ in WRONG:
        counts[name] += 1
    assert min(counts.values()) >= 3, counts


# A student's first working version: one loop over time steps, weights sliced
# per gate, the forward recomputed in every backward function.
PLAIN = """
import numpy as np


def sig(z):
    return 1 / (1 + np.exp(-z))


def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    return np.tanh(np.dot(x_t, Wx) + np.dot(h_prev, Wh) + b)


def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    da = dh_t * (1 - h_t * h_t)
    return (np.dot(da, Wx.T), np.dot(da, Wh.T), np.einsum("nd,nh->dh", x_t, da),
            np.einsum("nk,nh->kh", h_prev, da), np.sum(da, axis=0))


def rnn_forward(x, h0, Wx, Wh, b):
    hs = []
    for t in range(x.shape[1]):
        hs.append(rnn_step_forward(x[:, t, :], hs[-1] if hs else h0, Wx, Wh, b))
    return np.stack(hs, axis=1)


def rnn_backward(dhs, x, h0, hs, Wx, Wh):
    T = x.shape[1]
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(Wh.shape[1])
    carry = np.zeros(h0.shape)
    for t in range(T - 1, -1, -1):
        prev = h0 if t == 0 else hs[:, t - 1, :]
        g = rnn_step_backward(dhs[:, t, :] + carry, x[:, t, :], prev, hs[:, t, :],
                              Wx, Wh)
        dx[:, t, :] = g[0]
        carry = g[1]
        dWx += g[2]
        dWh += g[3]
        db += g[4]
    return dx, carry, dWx, dWh, db


def gates(x_t, h_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    cols = [slice(k * H, (k + 1) * H) for k in range(4)]
    z = [np.dot(x_t, Wx[:, c]) + np.dot(h_prev, Wh[:, c]) + b[c] for c in cols]
    return sig(z[0]), sig(z[1]), np.tanh(z[2]), sig(z[3])


def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    i, f, g, o = gates(x_t, h_prev, Wx, Wh, b)
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b):
    i, f, g, o = gates(x_t, h_prev, Wx, Wh, b)
    c = f * c_prev + i * g
    dc = dc_t + dh_t * o * (1 - np.tanh(c) ** 2)
    di, df, dg, do = dc * g, dc * c_prev, dc * i, dh_t * np.tanh(c)
    dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g),
                         do * o * (1 - o)], axis=1)
    return (np.dot(dz, Wx.T), np.dot(dz, Wh.T), dc * f, np.dot(x_t.T, dz),
            np.dot(h_prev.T, dz), np.sum(dz, axis=0))


def lstm_forward(x, h0, c0, Wx, Wh, b):
    hs, cs = [], []
    h, c = h0, c0
    for t in range(x.shape[1]):
        h, c = lstm_step_forward(x[:, t, :], h, c, Wx, Wh, b)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def lstm_backward(dhs, x, h0, c0, Wx, Wh, b):
    hs, cs = lstm_forward(x, h0, c0, Wx, Wh, b)
    dx = np.zeros(x.shape)
    dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(b.shape)
    dh, dc = np.zeros(h0.shape), np.zeros(c0.shape)
    for t in range(x.shape[1] - 1, -1, -1):
        h_prev = h0 if t == 0 else hs[:, t - 1, :]
        c_prev = c0 if t == 0 else cs[:, t - 1, :]
        g = lstm_step_backward(dhs[:, t, :] + dh, dc, x[:, t, :], h_prev, c_prev,
                               Wx, Wh, b)
        dx[:, t, :], dh, dc = g[0], g[1], g[2]
        dWx, dWh, db = dWx + g[3], dWh + g[4], db + g[5]
    return dx, dh, dc, dWx, dWh, db


def lstm_regression_loss_and_gradients(x, y, params):
    n = x.shape[0]
    layer_inputs = [x]
    for p in params["lstm"]:
        H = p["Wh"].shape[0]
        hs, _ = lstm_forward(layer_inputs[-1], np.zeros((n, H)), np.zeros((n, H)),
                             p["Wx"], p["Wh"], p["b"])
        layer_inputs.append(hs)
    last = layer_inputs[-1][:, -1, :]
    y_hat = np.dot(last, params["dense_W"]).reshape(n) + params["dense_b"][0]
    loss = np.sum((y_hat - y) ** 2) / n
    dy_hat = (2 / n) * (y_hat - y).reshape(n, 1)
    grads = {"dense_W": np.dot(last.T, dy_hat), "dense_b": np.sum(dy_hat, axis=0)}
    dhs = np.zeros(layer_inputs[-1].shape)
    dhs[:, -1, :] = np.dot(dy_hat, params["dense_W"].T)
    layer_grads = []
    for k in range(len(params["lstm"]) - 1, -1, -1):
        p = params["lstm"][k]
        H = p["Wh"].shape[0]
        dhs, _, _, dWx, dWh, db = lstm_backward(
            dhs, layer_inputs[k], np.zeros((n, H)), np.zeros((n, H)),
            p["Wx"], p["Wh"], p["b"])
        layer_grads.insert(0, {"Wx": dWx, "Wh": dWh, "b": db})
    grads["lstm"] = layer_grads
    return loss, grads
"""


def test_plain_loop_solution_passes(grade):
    """Does a plainly written per-time-step solution pass every exercise?"""
    results = grade("rnn", PLAIN)
    failed = {name: r.message for name, r in results.items() if r.status != "pass"}
    assert not failed, failed


def test_plain_loop_solution_is_well_within_time(tmp_path):
    """Does each call of the plain solution take under a tenth of its time limit?"""
    (tmp_path / "rnn.py").write_text(PLAIN)
    slowest = {}
    with StudentModule(tmp_path / "rnn.py") as module:
        for exercise in spec.select(["rnn"]):
            for case in make_cases(exercise, 0):
                call = module.call(
                    exercise.name,
                    list(case.inputs.values()),
                    case.kwargs,
                    exercise.seconds,
                )
                assert call.status == "ok", call.error
                slowest[exercise.name] = max(
                    slowest.get(exercise.name, 0), call.seconds / exercise.seconds
                )
    assert max(slowest.values()) < 0.1, slowest


DIFFERENT = [
    (
        "rnn_step_forward",
        """
def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    a = np.einsum("nd,dh->nh", x_t, Wx) + np.einsum("nk,kh->nh", h_prev, Wh)
    return (np.exp(2 * (a + b)) - 1) / (np.exp(2 * (a + b)) + 1)
""",
    ),
    (
        "rnn_step_backward",
        """
def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    grads = [np.zeros((x_t.shape[0], Wx.shape[0])), np.zeros_like(h_prev),
             np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[1])]
    for n in range(x_t.shape[0]):
        da = dh_t[n] * (1 - h_t[n] ** 2)
        grads[0][n], grads[1][n] = Wx @ da, Wh @ da
        grads[2] += np.outer(x_t[n], da)
        grads[3] += np.outer(h_prev[n], da)
        grads[4] += da
    return tuple(grads)
""",
    ),
    (
        "lstm_step_forward",
        """
def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    W = np.vstack([Wx, Wh])
    a = np.hstack([x_t, h_prev]) @ W + b
    gates = 1 / (1 + np.exp(-a))
    H = h_prev.shape[1]
    g = 2 / (1 + np.exp(-2 * a[:, 2 * H:3 * H])) - 1  # tanh(z) = 2 sigmoid(2z) - 1
    c_t = gates[:, H:2 * H] * c_prev + gates[:, :H] * g
    return gates[:, 3 * H:] * np.tanh(c_t), c_t
""",
    ),
    (
        "lstm_backward",
        """
def lstm_backward(dhs, x, h0, c0, Wx, Wh, b):
    T = x.shape[1]
    states = [(h0, c0)]
    for t in range(T):
        states.append(lstm_step_forward(x[:, t], *states[-1], Wx, Wh, b))
    dx = np.zeros_like(x)
    dW = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    dh, dc = 0 * h0, 0 * c0
    for t in range(T - 1, -1, -1):
        dx[:, t], dh, dc, *g = lstm_step_backward(dh + dhs[:, t], dc, x[:, t],
                                                  *states[t], Wx, Wh, b)
        dW = [a + b_ for a, b_ in zip(dW, g)]
    return (dx, dh, dc, *dW)
""",
    ),
    (
        "lstm_regression_loss_and_gradients",
        """
def lstm_regression_loss_and_gradients(x, y, params):
    acts, seq = [], x
    for p in params["lstm"]:
        z = np.zeros((len(x), p["Wh"].shape[0]))
        acts.append(seq)
        seq = lstm_forward(seq, z, z, p["Wx"], p["Wh"], p["b"])[0]
    err = seq[:, -1] @ params["dense_W"] + params["dense_b"] - y.reshape(-1, 1)
    g = 2 * err / len(y)
    grads = {"dense_W": seq[:, -1].T @ g, "dense_b": g.sum(0), "lstm": []}
    d = np.zeros_like(seq)
    d[:, -1] = g @ params["dense_W"].T
    for p, a in zip(params["lstm"][::-1], acts[::-1]):
        z = np.zeros((len(x), p["Wh"].shape[0]))
        d, _, _, *w = lstm_backward(d, a, z, z, p["Wx"], p["Wh"], p["b"])
        grads["lstm"] = [dict(zip(("Wx", "Wh", "b"), w))] + grads["lstm"]
    return float((err**2).mean()), grads
""",
    ),
]


@pytest.mark.parametrize(
    "name, code", DIFFERENT, ids=[f"{n}-{k}" for k, (n, _) in enumerate(DIFFERENT)]
)
def test_differently_written_variant_passes(variant, name, code):
    """Does a correct variant written another way (einsum, loops, stacks) pass?"""
    result = variant("rnn", name, code)
    assert result.status == "pass", result.message


def test_capstone_runs_at_the_example_size():
    """Does the solution train-step three LSTM layers of 50 units on sequences of
    10 quickly, with Keras' loss and gradients?"""
    import importlib.util

    from grader.specs.rnn import RecurrentCase, _capstone_keras

    path = ROOT / "solutions" / "rnn.py"
    module_spec = importlib.util.spec_from_file_location("solution_rnn", path)
    solution = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(solution)
    rng = np.random.default_rng(5)
    n, T, d, H = 16, 10, 8, 50
    widths = [d, H, H]
    params = {
        "lstm": [
            {
                "Wx": rng.normal(size=(w, 4 * H)) / np.sqrt(w),
                "Wh": rng.normal(size=(H, 4 * H)) / np.sqrt(H),
                "b": 0.1 * rng.normal(size=4 * H),
            }
            for w in widths
        ],
        "dense_W": rng.normal(size=(H, 1)) / np.sqrt(H),
        "dense_b": np.zeros(1),
    }
    x, y = rng.normal(size=(n, T, d)), rng.normal(size=n)
    started = time.perf_counter()
    loss, grads = solution.lstm_regression_loss_and_gradients(x, y, params)
    seconds = time.perf_counter() - started
    assert seconds < 2.0, f"took {seconds:.2f} s"
    keras_loss, keras_grads = _capstone_keras(
        RecurrentCase({"x": x, "y": y, "params": params})
    )
    assert compare((loss, grads), (keras_loss, keras_grads), 1e-7, 1e-9) is None
