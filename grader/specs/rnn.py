"""Chapter 5: recurrent networks (contract: shared/exercise-api.md, chapter 5).

Oracles. TensorFlow: the recurrences written with raw TF ops in a Python loop
and differentiated with ``tf.GradientTape`` (upstream gradients on every
``h_t`` and ``c_t`` go in as ``output_gradients``); Keras' own ``SimpleRNN``
and ``LSTMCell`` (float64, weights set from the case) pin the weight layout and
the gate order of ``rnn_forward`` and ``lstm_forward``, and a Keras model
(stacked ``LSTM`` layers, ``Dense(1)``, Keras' MSE) grades the capstone. SymPy
differentiates the step formulas on tiny cases (D = H = 2). Central
differences check every backward function and the capstone.

A backward function does not take everything its oracles need: the bias
``b`` behind a given ``h_t`` or ``hs`` travels in ``RecurrentCase.hidden``.

Variants return, for each output, what a mistaken implementation gives there.
Where one mistake id covers two slips that change different outputs (a
transposed ``Wh`` in the chain versus a transposed ``dWh``), each output of the
variant holds the slip that makes that output the first to differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from grader import diagnoses, formulas
from grader.diagnoses import Mistake
from grader.oracles import finite_differences as fd
from grader.oracles import tensorflow as tfo
from grader.spec import EXACT, FINITE_DIFFERENCES, SYMPY, TENSORFLOW, Case, Exercise
from grader.specs._common import sympy_gradients, sympy_value

MODULE = "rnn"
SHEET = "theory/05-rnn.md"
KERAS = "Keras"
TOLERANCE = {
    TENSORFLOW: EXACT,
    KERAS: EXACT,
    SYMPY: EXACT,
    FINITE_DIFFERENCES: (1e-5, 1e-7),
}

diagnoses.register(
    Mistake(
        "tanh-twice",
        "your tanh derivative applies tanh again: h_t is already "
        "tanh(a), so dh/da = 1 - h_t**2, not 1 - tanh(h_t)**2",
    ),
    Mistake(
        "sigmoid-vs-tanh",
        "your result matches a sigmoid where a tanh belongs: "
        "the RNN state and the LSTM candidate g use tanh, the LSTM gates "
        "i, f, o use the sigmoid",
    ),
    Mistake(
        "bptt-no-carry",
        "your gradient is not carried to earlier steps: the "
        "gradient on h_t is dhs[:, t] plus the dh_prev that step t + 1 returned",
    ),
    Mistake(
        "gate-order",
        "your gate blocks are in another order: Keras orders the "
        "4H columns as input, forget, candidate g, output (i, f, g, o)",
    ),
    Mistake(
        "cell-path",
        "your cell-state gradient misses a path: add the incoming "
        "dc_t to dh_t * o * (1 - tanh(c_t)**2), carry it to earlier steps, and "
        "multiply by the forget gate f to get dc_prev",
    ),
)


@dataclass(frozen=True)
class RecurrentCase(Case):
    """A case plus values its oracles need that the function does not take."""

    hidden: dict = field(default_factory=dict)


# NumPy models: central differences and the mistaken variants -------------------


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))  # the same function, without overflow


def _rnn_seq(x, h0, Wx, Wh, b, act=np.tanh):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = act(x[:, t] @ Wx + h @ Wh + b)
        hs.append(h)
    return np.stack(hs, axis=1)


def _rnn_step_back(dh, x, h_prev, h, Wx, Wh, slope=lambda h: 1 - h**2):
    da = dh * slope(h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _rnn_bptt(dhs, x, h0, hs, Wx, Wh, carry=True, **options):
    grads = [np.empty_like(x), np.zeros_like(h0), 0, 0, 0]
    for t in reversed(range(x.shape[1])):
        h_prev = hs[:, t - 1] if t > 0 else h0
        dh = dhs[:, t] + (grads[1] if carry else 0)
        dx_t, grads[1], *dW = _rnn_step_back(
            dh, x[:, t], h_prev, hs[:, t], Wx, Wh, **options
        )
        grads[0][:, t] = dx_t
        grads[2:] = [a + b for a, b in zip(grads[2:], dW, strict=True)]
    return tuple(grads)


def _gates(x, h, Wx, Wh, b, candidate=np.tanh):
    a_i, a_f, a_g, a_o = np.split(x @ Wx + h @ Wh + b, 4, axis=-1)
    return _sigmoid(a_i), _sigmoid(a_f), candidate(a_g), _sigmoid(a_o)


def _lstm_step(x, h, c, Wx, Wh, b, **options):
    i, f, g, o = _gates(x, h, Wx, Wh, b, **options)
    c = f * c + i * g
    return o * np.tanh(c), c


def _lstm_seq(x, h0, c0, Wx, Wh, b, **options):
    hs, cs, h, c = [], [], h0, c0
    for t in range(x.shape[1]):
        h, c = _lstm_step(x[:, t], h, c, Wx, Wh, b, **options)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def _lstm_step_back(dh, dc, x, h_prev, c_prev, Wx, Wh, b, forget=True):
    i, f, g, o = _gates(x, h_prev, Wx, Wh, b)
    tanh_c = np.tanh(f * c_prev + i * g)
    dc = dc + dh * o * (1 - tanh_c**2)
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * c_prev * f * (1 - f),
            dc * i * (1 - g**2),
            dh * tanh_c * o * (1 - o),
        ],
        axis=-1,
    )
    dc_prev = dc * f if forget else dc
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def _lstm_bptt(dhs, x, h0, c0, Wx, Wh, b, carry_h=True, carry_c=True):
    hs, cs = _lstm_seq(x, h0, c0, Wx, Wh, b)
    grads = [np.empty_like(x), np.zeros_like(h0), np.zeros_like(c0), 0, 0, 0]
    for t in reversed(range(x.shape[1])):
        h_prev, c_prev = (hs[:, t - 1], cs[:, t - 1]) if t > 0 else (h0, c0)
        dh = dhs[:, t] + (grads[1] if carry_h else 0)
        dc = grads[2] if carry_c else np.zeros_like(c0)
        dx_t, grads[1], grads[2], *dW = _lstm_step_back(
            dh, dc, x[:, t], h_prev, c_prev, Wx, Wh, b
        )
        grads[0][:, t] = dx_t
        grads[3:] = [a + b for a, b in zip(grads[3:], dW, strict=True)]
    return tuple(grads)


# Swapping the g and o blocks turns Keras' (i, f, g, o) into (i, f, o, g), the
# order of some course notes; the permutation is its own inverse.
def _swap_go(W):
    i, f, g, o = np.split(W, 4, axis=-1)
    return np.concatenate([i, f, o, g], axis=-1)


# Cases ------------------------------------------------------------------------


def _weights(rng, d, H, gates=1):
    """Wx (d, gH), a non-symmetric Wh (H, gH) and b (gH,), pre-activations ~ 1."""
    Wx = rng.normal(size=(d, gates * H)) / np.sqrt(d)
    Wh = rng.normal(size=(H, gates * H)) / np.sqrt(H)
    return Wx, Wh, 0.5 * rng.normal(size=gates * H)


STEP_SIZES = [(2, 2, 2, True), (3, 5, 4, False), (4, 3, 6, False)]
SEQ_SIZES = [(3, 4, 2, 3), (4, 6, 5, 4), (2, 5, 3, 2)]


def _rnn_step_cases(rng, backward):
    cases = []
    for n, d, H, small in STEP_SIZES:
        x, h_prev = rng.normal(size=(n, d)), 0.8 * rng.normal(size=(n, H))
        Wx, Wh, b = _weights(rng, d, H)
        if not backward:
            inputs = {"x_t": x, "h_prev": h_prev, "Wx": Wx, "Wh": Wh, "b": b}
            cases.append(RecurrentCase(inputs, batch=n, small=small))
            continue
        h_t = np.tanh(x @ Wx + h_prev @ Wh + b)
        inputs = {
            "dh_t": rng.normal(size=(n, H)),
            "x_t": x,
            "h_prev": h_prev,
            "h_t": h_t,
            "Wx": Wx,
            "Wh": Wh,
        }
        cases.append(RecurrentCase(inputs, batch=n, small=small, hidden={"b": b}))
    return cases


def _rnn_seq_cases(rng, backward):
    cases = []
    for n, T, d, H in SEQ_SIZES:
        x, h0 = rng.normal(size=(n, T, d)), 0.8 * rng.normal(size=(n, H))
        Wx, Wh, b = _weights(rng, d, H)
        if not backward:
            inputs = {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b}
            cases.append(RecurrentCase(inputs, batch=n))
            continue
        inputs = {
            "dhs": rng.normal(size=(n, T, H)),
            "x": x,
            "h0": h0,
            "hs": _rnn_seq(x, h0, Wx, Wh, b),
            "Wx": Wx,
            "Wh": Wh,
        }
        cases.append(RecurrentCase(inputs, batch=n, hidden={"b": b}))
    return cases


def _lstm_step_cases(rng, backward):
    cases = []
    for n, d, H, small in STEP_SIZES:
        inputs = {
            "x_t": rng.normal(size=(n, d)),
            "h_prev": 0.8 * rng.normal(size=(n, H)),
            "c_prev": rng.normal(size=(n, H)),
        }
        inputs.update(zip(("Wx", "Wh", "b"), _weights(rng, d, H, 4), strict=True))
        if backward:
            upstream = {
                "dh_t": rng.normal(size=(n, H)),
                "dc_t": rng.normal(size=(n, H)),
            }
            inputs = upstream | inputs
        cases.append(RecurrentCase(inputs, batch=n, small=small))
    return cases


def _lstm_seq_cases(rng, backward):
    cases = []
    for n, T, d, H in SEQ_SIZES:
        inputs = {
            "x": rng.normal(size=(n, T, d)),
            "h0": 0.8 * rng.normal(size=(n, H)),
            "c0": rng.normal(size=(n, H)),
        }
        inputs.update(zip(("Wx", "Wh", "b"), _weights(rng, d, H, 4), strict=True))
        if backward:
            inputs = {"dhs": rng.normal(size=(n, T, H))} | inputs
        cases.append(RecurrentCase(inputs, batch=n))
    return cases


# TensorFlow: raw ops ------------------------------------------------------------


def _tf_rnn_step(x, h, Wx, Wh, b):
    return tfo.tf().tanh(x @ Wx + h @ Wh + b)


def _tf_lstm_step(x, h, c, Wx, Wh, b):
    tf = tfo.tf()
    a_i, a_f, a_g, a_o = tf.split(x @ Wx + h @ Wh + b, 4, axis=-1)
    c = tf.sigmoid(a_f) * c + tf.sigmoid(a_i) * tf.tanh(a_g)
    return tf.sigmoid(a_o) * tf.tanh(c), c


def _tf_rnn_seq(x, h0, Wx, Wh, b):
    hs, h = [], h0
    for t in range(x.shape[1]):
        h = _tf_rnn_step(x[:, t], h, Wx, Wh, b)
        hs.append(h)
    return tfo.tf().stack(hs, axis=1)


def _tf_lstm_seq(x, h0, c0, Wx, Wh, b):
    hs, cs, h, c = [], [], h0, c0
    for t in range(x.shape[1]):
        h, c = _tf_lstm_step(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        cs.append(c)
    return tfo.tf().stack([tfo.tf().stack(hs, axis=1), tfo.tf().stack(cs, axis=1)])


def _tf_forward(step):
    def oracle(case):
        out = step(*[tfo.constant(v) for v in case.inputs.values()])
        return (
            tuple(tfo.numpy(o) for o in out)
            if isinstance(out, tuple)
            else (tfo.numpy(out))
        )

    return oracle


def _tf_lstm_seq_forward(case):
    hs, cs = _tf_lstm_seq(*[tfo.constant(v) for v in case.inputs.values()])
    return tfo.numpy(hs), tfo.numpy(cs)


def _rnn_backward_tf(sequence):
    """Gradients of the forward with the case's b, through dhs (or dh_t)."""
    forward = _tf_rnn_seq if sequence else _tf_rnn_step

    def oracle(case):
        dh, x, h0, _, Wx, Wh = case.inputs.values()
        dx, dh0, dWx, dWh, db = tfo.gradients(
            forward, [x, h0, Wx, Wh, case.hidden["b"]], output_gradient=dh
        )
        return dx, dh0, dWx, dWh, db

    return oracle


def _lstm_step_backward_tf(case):
    dh, dc, *inputs = case.inputs.values()
    return tfo.gradients(
        lambda *v: tfo.tf().stack(_tf_lstm_step(*v)),
        inputs,
        output_gradient=np.stack([dh, dc]),
    )


def _lstm_backward_tf(case):
    dhs, *inputs = case.inputs.values()
    # cs gets no upstream gradient from outside: only the hidden states do
    upstream = np.stack([dhs, np.zeros_like(dhs)])
    return tfo.gradients(_tf_lstm_seq, inputs, output_gradient=upstream)


# Keras layers: pin the weight layout and the gate order --------------------------


def _rnn_forward_keras(case):
    x, h0, Wx, Wh, b = case.inputs.values()
    with tfo.keras_float64() as keras:
        layer = keras.layers.SimpleRNN(h0.shape[1], return_sequences=True)
        layer.build(x.shape)
        layer.set_weights([Wx, Wh, b])
        return tfo.numpy(layer(tfo.constant(x), initial_state=[tfo.constant(h0)]))


def _lstm_forward_keras(case):
    x, h0, c0, Wx, Wh, b = case.inputs.values()
    with tfo.keras_float64() as keras:
        # the cell, stepped here, gives every c_t; the LSTM layer only the last
        cell = keras.layers.LSTMCell(h0.shape[1])
        cell.build((None, x.shape[2]))
        cell.set_weights([Wx, Wh, b])
        state, hs, cs = [tfo.constant(h0), tfo.constant(c0)], [], []
        for t in range(x.shape[1]):
            _, state = cell(tfo.constant(x[:, t]), state)
            hs.append(tfo.numpy(state[0]))
            cs.append(tfo.numpy(state[1]))
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


# SymPy: the step formulas on D = H = 2 -------------------------------------------


def _tanh(z):
    return np.vectorize(sympy.tanh, otypes=[object])(z)


def rnn_step_formula(x, h, Wx, Wh, b):
    """h_t = tanh(x Wx + h Wh + b), over object arrays of symbols."""
    return _tanh(x @ Wx + h @ Wh + b)


def lstm_step_formula(x, h, c, Wx, Wh, b):
    """(h_t, c_t) with gates i, f, g, o along the last axis."""
    a_i, a_f, a_g, a_o = np.split(x @ Wx + h @ Wh + b, 4, axis=-1)
    sig = formulas.sigmoid
    c_t = sig(a_f) * c + sig(a_i) * _tanh(a_g)
    return sig(a_o) * _tanh(c_t), c_t


def _shapes(values):
    return [np.shape(v) for v in values]


def _rnn_step_forward_sympy(case):
    values = list(case.inputs.values())
    return sympy_value(rnn_step_formula, _shapes(values), values)


def _rnn_step_backward_sympy(case):
    if not case.small:
        return None
    dh, x, h, _, Wx, Wh = case.inputs.values()
    values = [dh, x, h, Wx, Wh, case.hidden["b"]]
    return sympy_gradients(
        lambda dh_, *v: np.sum(dh_ * rnn_step_formula(*v)),
        _shapes(values),
        values,
        wrt=(1, 2, 3, 4, 5),
    )


def _lstm_step_forward_sympy(case):
    values = list(case.inputs.values())
    both = sympy_value(
        lambda *v: np.stack(lstm_step_formula(*v)), _shapes(values), values
    )
    return both[0], both[1]


def _lstm_step_backward_sympy(case):
    if not case.small:
        return None
    values = list(case.inputs.values())

    def objective(dh, dc, *v):
        h_t, c_t = lstm_step_formula(*v)
        return np.sum(dh * h_t) + np.sum(dc * c_t)

    return sympy_gradients(objective, _shapes(values), values, wrt=(2, 3, 4, 5, 6, 7))


# Central differences -------------------------------------------------------------


def _rnn_step_backward_fd(case):
    dh, x, h, _, Wx, Wh = case.inputs.values()
    forward = lambda *v: np.tanh(v[0] @ v[2] + v[1] @ v[3] + v[4])  # noqa: E731
    return fd.gradient(forward, [x, h, Wx, Wh, case.hidden["b"]], range(5), dh)


def _rnn_backward_fd(case):
    dhs, x, h0, _, Wx, Wh = case.inputs.values()
    return fd.gradient(_rnn_seq, [x, h0, Wx, Wh, case.hidden["b"]], range(5), dhs)


def _lstm_step_backward_fd(case):
    dh, dc, *inputs = case.inputs.values()
    forward = lambda *v: np.stack(_lstm_step(*v))  # noqa: E731
    return fd.gradient(forward, inputs, range(6), np.stack([dh, dc]))


def _lstm_backward_fd(case):
    dhs, *inputs = case.inputs.values()
    forward = lambda *v: _lstm_seq(*v)[0]  # noqa: E731
    return fd.gradient(forward, inputs, range(6), dhs)


# Variants: what a mistaken implementation returns ---------------------------------


def _variants_rnn_step_forward(case):
    x, h, Wx, Wh, b = case.inputs.values()
    return {
        "sigmoid-vs-tanh": _sigmoid(x @ Wx + h @ Wh + b),
        "transposed": np.tanh(x @ Wx + h @ Wh.T + b),
    }


def _variants_rnn_step_backward(case):
    dh, x, h_prev, h_t, Wx, Wh = case.inputs.values()
    right = _rnn_step_back(dh, x, h_prev, h_t, Wx, Wh)
    # dh_prev through Wh instead of Wh.T; or, that right, a transposed dWh
    chain = _rnn_step_back(dh, x, h_prev, h_t, Wx, Wh.T)
    return {
        "tanh-twice": _rnn_step_back(
            dh, x, h_prev, h_t, Wx, Wh, slope=lambda h: 1 - np.tanh(h) ** 2
        ),
        "transposed": chain[:3] + (right[3].T,) + chain[4:],
    }


def _variants_rnn_forward(case):
    x, h0, Wx, Wh, b = case.inputs.values()
    return {
        "sigmoid-vs-tanh": _rnn_seq(x, h0, Wx, Wh, b, act=_sigmoid),
        "transposed": _rnn_seq(x, h0, Wx, Wh.T, b),
    }


def _variants_rnn_backward(case):
    dhs, x, h0, hs, Wx, Wh = case.inputs.values()
    right = _rnn_bptt(dhs, x, h0, hs, Wx, Wh)
    chain = _rnn_bptt(dhs, x, h0, hs, Wx, Wh.T)
    return {
        "tanh-twice": _rnn_bptt(
            dhs, x, h0, hs, Wx, Wh, slope=lambda h: 1 - np.tanh(h) ** 2
        ),
        "bptt-no-carry": _rnn_bptt(dhs, x, h0, hs, Wx, Wh, carry=False),
        "transposed": chain[:3] + (right[3].T,) + chain[4:],
    }


def _variants_lstm_step_forward(case):
    x, h, c, Wx, Wh, b = case.inputs.values()
    return {
        "gate-order": _lstm_step(x, h, c, _swap_go(Wx), _swap_go(Wh), _swap_go(b)),
        "sigmoid-vs-tanh": _lstm_step(x, h, c, Wx, Wh, b, candidate=_sigmoid),
    }


def _variants_lstm_step_backward(case):
    dh, dc, x, h, c, Wx, Wh, b = case.inputs.values()
    swapped = _lstm_step_back(dh, dc, x, h, c, _swap_go(Wx), _swap_go(Wh), _swap_go(b))
    # dc_t left out changes every output; if only f is left out of dc_prev,
    # dc_prev is the first output to differ
    no_dc = _lstm_step_back(dh, np.zeros_like(dc), x, h, c, Wx, Wh, b)
    no_f = _lstm_step_back(dh, dc, x, h, c, Wx, Wh, b, forget=False)
    return {
        "gate-order": swapped[:3] + tuple(_swap_go(g) for g in swapped[3:]),
        "cell-path": no_dc[:2] + no_f[2:3] + no_dc[3:],
    }


def _variants_lstm_forward(case):
    x, h0, c0, Wx, Wh, b = case.inputs.values()
    return {
        "gate-order": _lstm_seq(x, h0, c0, _swap_go(Wx), _swap_go(Wh), _swap_go(b)),
        "sigmoid-vs-tanh": _lstm_seq(x, h0, c0, Wx, Wh, b, candidate=_sigmoid),
    }


def _variants_lstm_backward(case):
    dhs, x, h0, c0, Wx, Wh, b = case.inputs.values()
    swapped = _lstm_bptt(dhs, x, h0, c0, _swap_go(Wx), _swap_go(Wh), _swap_go(b))
    return {
        "gate-order": swapped[:3] + tuple(_swap_go(g) for g in swapped[3:]),
        "bptt-no-carry": _lstm_bptt(dhs, x, h0, c0, Wx, Wh, b, carry_h=False),
        "cell-path": _lstm_bptt(dhs, x, h0, c0, Wx, Wh, b, carry_c=False),
    }


def _variants(build, ids):
    """One variant per mistake id, each taken from ``build(case)``."""
    return {i: (lambda case, i=i: build(case)[i]) for i in ids}


# The capstone: stacked LSTMs, Dense(1), Keras' MSE --------------------------------


CAPSTONE_SIZES = [(4, 5, 3, (4, 3)), (3, 4, 2, (3,)), (5, 4, 4, (3, 4, 2))]


def _capstone_cases(rng):
    cases = []
    for n, T, d, units in CAPSTONE_SIZES:
        layers, width = [], d
        for H in units:
            layers.append(
                dict(zip(("Wx", "Wh", "b"), _weights(rng, width, H, 4), strict=True))
            )
            width = H
        params = {
            "lstm": layers,
            "dense_W": rng.normal(size=(width, 1)),
            "dense_b": rng.normal(size=1),
        }
        x, y = rng.normal(size=(n, T, d)), rng.normal(size=n)
        cases.append(
            RecurrentCase(
                {"x": x, "y": y, "params": params},
                batch=n,
                note=f"{len(units)} LSTM layers of {units} units",
            )
        )
    return cases


def _capstone_keras(case):
    x, y, params = case.inputs.values()
    tf = tfo.tf()
    with tfo.keras_float64() as keras:
        model = keras.Sequential([keras.Input(x.shape[1:])])
        last = len(params["lstm"]) - 1
        for k, layer in enumerate(params["lstm"]):
            model.add(
                keras.layers.LSTM(layer["Wh"].shape[0], return_sequences=k < last)
            )
        model.add(keras.layers.Dense(1))
        weights = [w for layer in params["lstm"] for w in layer.values()]
        model.set_weights(weights + [params["dense_W"], params["dense_b"]])
        with tf.GradientTape() as tape:
            loss = keras.losses.MeanSquaredError()(
                tfo.constant(y[:, None]), model(tfo.constant(x))
            )
        grads = [tfo.numpy(g) for g in tape.gradient(loss, model.trainable_weights)]
    return tfo.numpy(loss), _unflatten(grads, params)


def _unflatten(flat, params):
    grads, k = {"lstm": []}, 0
    for layer in params["lstm"]:
        grads["lstm"].append(dict(zip(layer, flat[k : k + 3], strict=True)))
        k += 3
    grads["dense_W"], grads["dense_b"] = flat[k], flat[k + 1]
    return grads


def _capstone_loss(x, y, params):
    seq = x
    for layer in params["lstm"]:
        zeros = np.zeros((x.shape[0], layer["Wh"].shape[0]))
        seq = _lstm_seq(seq, zeros, zeros, layer["Wx"], layer["Wh"], layer["b"])[0]
    y_hat = seq[:, -1] @ params["dense_W"] + params["dense_b"]
    return float(np.mean((y_hat[:, 0] - y) ** 2))


def _capstone_fd(case):
    x, y, params = case.inputs.values()
    flat = [w for layer in params["lstm"] for w in layer.values()]
    flat += [params["dense_W"], params["dense_b"]]

    def loss(*weights):
        return _capstone_loss(x, y, _unflatten(list(weights), params))

    grads = fd.gradient(loss, flat, range(len(flat)))
    return _capstone_loss(x, y, params), _unflatten(list(grads), params)


def _capstone_variants(case):
    x, y, params = case.inputs.values()
    swapped = {
        "lstm": [
            {k: _swap_go(w) for k, w in layer.items()} for layer in params["lstm"]
        ],
        "dense_W": params["dense_W"],
        "dense_b": params["dense_b"],
    }
    loss, grads = _capstone_keras(RecurrentCase({"x": x, "y": y, "params": swapped}))
    for layer in grads["lstm"]:
        layer.update({k: _swap_go(w) for k, w in layer.items()})
    return {"gate-order": (loss, grads)}


# Exercises -------------------------------------------------------------------------


def _exercise(
    name,
    points,
    cases,
    outputs,
    oracles,
    build,
    variant_ids,
    also=(),
    seconds=10.0,
    uses=(),
):
    """An exercise whose mistakes are ``variant_ids`` (from ``build``), then
    ``also`` (recognised by the predicates of ``grader.diagnoses``)."""
    return Exercise(
        MODULE,
        name,
        points,
        f"{SHEET}#{name}",
        cases,
        outputs,
        oracles,
        tolerance=dict(TOLERANCE),
        mistakes=tuple(variant_ids) + also,
        variants=_variants(build, variant_ids),
        seconds=seconds,
        uses=uses,
    )


STEP_BACKWARD = ("dx_t", "dh_prev", "dWx", "dWh", "db")
SEQ_BACKWARD = ("dx", "dh0", "dWx", "dWh", "db")

EXERCISES = [
    _exercise(
        "rnn_step_forward",
        1,
        lambda rng: _rnn_step_cases(rng, False),
        ("h_t",),
        {TENSORFLOW: _tf_forward(_tf_rnn_step), SYMPY: _rnn_step_forward_sympy},
        _variants_rnn_step_forward,
        ("sigmoid-vs-tanh", "transposed"),
    ),
    _exercise(
        "rnn_step_backward",
        2,
        lambda rng: _rnn_step_cases(rng, True),
        STEP_BACKWARD,
        {
            TENSORFLOW: _rnn_backward_tf(False),
            SYMPY: _rnn_step_backward_sympy,
            FINITE_DIFFERENCES: _rnn_step_backward_fd,
        },
        _variants_rnn_step_backward,
        ("tanh-twice", "transposed"),
    ),
    _exercise(
        "rnn_forward",
        1,
        lambda rng: _rnn_seq_cases(rng, False),
        ("hs",),
        {TENSORFLOW: _tf_forward(_tf_rnn_seq), KERAS: _rnn_forward_keras},
        _variants_rnn_forward,
        ("sigmoid-vs-tanh", "transposed"),
    ),
    _exercise(
        "rnn_backward",
        3,
        lambda rng: _rnn_seq_cases(rng, True),
        SEQ_BACKWARD,
        {TENSORFLOW: _rnn_backward_tf(True), FINITE_DIFFERENCES: _rnn_backward_fd},
        _variants_rnn_backward,
        ("bptt-no-carry", "tanh-twice", "transposed"),
        also=("sign-flipped",),
    ),
    _exercise(
        "lstm_step_forward",
        2,
        lambda rng: _lstm_step_cases(rng, False),
        ("h_t", "c_t"),
        {TENSORFLOW: _tf_forward(_tf_lstm_step), SYMPY: _lstm_step_forward_sympy},
        _variants_lstm_step_forward,
        ("gate-order", "sigmoid-vs-tanh"),
    ),
    _exercise(
        "lstm_step_backward",
        3,
        lambda rng: _lstm_step_cases(rng, True),
        ("dx_t", "dh_prev", "dc_prev", "dWx", "dWh", "db"),
        {
            TENSORFLOW: _lstm_step_backward_tf,
            SYMPY: _lstm_step_backward_sympy,
            FINITE_DIFFERENCES: _lstm_step_backward_fd,
        },
        _variants_lstm_step_backward,
        ("gate-order", "cell-path"),
        also=("transposed",),
    ),
    _exercise(
        "lstm_forward",
        1,
        lambda rng: _lstm_seq_cases(rng, False),
        ("hs", "cs"),
        {TENSORFLOW: _tf_lstm_seq_forward, KERAS: _lstm_forward_keras},
        _variants_lstm_forward,
        ("gate-order", "sigmoid-vs-tanh"),
    ),
    _exercise(
        "lstm_backward",
        3,
        lambda rng: _lstm_seq_cases(rng, True),
        ("dx", "dh0", "dc0", "dWx", "dWh", "db"),
        {TENSORFLOW: _lstm_backward_tf, FINITE_DIFFERENCES: _lstm_backward_fd},
        _variants_lstm_backward,
        ("gate-order", "bptt-no-carry", "cell-path"),
        also=("transposed",),
    ),
    _exercise(
        "lstm_regression_loss_and_gradients",
        4,
        _capstone_cases,
        ("loss", "grads"),
        {KERAS: _capstone_keras, FINITE_DIFFERENCES: _capstone_fd},
        _capstone_variants,
        ("gate-order",),
        also=("missing-half", "sum-not-mean", "sign-flipped"),
        seconds=20.0,
        uses=("lstm_forward", "lstm_backward"),
    ),
]
