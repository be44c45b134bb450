"""Chapter 4: convolutional networks (contract: shared/exercise-api.md, chapter 4).

References: TensorFlow (``tf.nn`` ops in NHWC float64 with explicit padding, a
Keras ``Sequential`` for the capstone), SymPy on tiny cases, and central
differences of the plain NumPy forward passes written below (never of the
reference solutions). The main cases keep every max-pool window and every ReLU
input away from a tie or a kink by a margin, so all three references agree
exactly; separate cases test the kink rules (see ``_relu_compare`` and
``_pool_compare``). Cases stay small so that a student's nested-loop
convolution passes well within the time limit of one call.
"""

from __future__ import annotations

import numpy as np
import sympy

from grader import diagnoses
from grader.compare import compare
from grader.diagnoses import Mistake
from grader.oracles import finite_differences as fd
from grader.oracles import symbolic
from grader.oracles import tensorflow as tfo
from grader.spec import FINITE_DIFFERENCES, SYMPY, TENSORFLOW, Case, Exercise

MODULE = "cnn"
SHEET = "theory/04-cnn.md"
PARAMS = ("conv_w", "conv_b", "dense1_W", "dense1_b", "dense2_W", "dense2_b")
MARGIN = 1e-3  # min distance of main cases from a ReLU kink or a pooling tie

diagnoses.register(
    Mistake(
        "flipped-kernel",
        "your result is what true convolution gives (the "
        "kernel turned by 180 degrees); deep-learning conv is cross-correlation: "
        "x[i*s + k, j*s + l] * w[k, l], with no flip",
    ),
    Mistake(
        "pool-overwrite",
        "your result matches assigning (=) each window's "
        "gradient: where windows overlap, a pixel that is the maximum of several "
        "windows receives all their gradients, so add them up (+=)",
    ),
    Mistake(
        "tie-duplicated",
        "in a window with several equal maxima you gave the "
        "full gradient to each of them; the window's output moves by dout once, "
        "so give it to one of them (the first, as TensorFlow does)",
    ),
    Mistake(
        "flatten-order",
        "your result matches flattening the pooled maps "
        "channel-first (NCHW); Keras Flatten keeps the NHWC order, the channel "
        "varying fastest: pooled.reshape(N, -1)",
    ),
)


# NumPy forward passes: the objectives of central differences ------------------


def pad(x, p):
    """Zeros on all four sides of each image of an NHWC batch."""
    return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))


def conv2d_reference(x, w, b, stride, padding):
    """Cross-correlation as a sum over kernel offsets (float or object arrays)."""
    xp, (kh, kw, _, f) = pad(x, padding), w.shape
    h2 = (xp.shape[1] - kh) // stride + 1
    w2 = (xp.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], h2, w2, f), dtype=np.result_type(x, w)) + b
    for k in range(kh):
        for m in range(kw):
            # the input pixels that kernel entry (k, m) meets, one per output
            seen = xp[
                :,
                k : k + stride * (h2 - 1) + 1 : stride,
                m : m + stride * (w2 - 1) + 1 : stride,
            ]
            out = out + seen @ w[k, m]
    return out


def pool_windows(x, size, stride):
    """(i, j, window) for each pooling window; window is (N, size, size, C)."""
    h2 = (x.shape[1] - size) // stride + 1
    w2 = (x.shape[2] - size) // stride + 1
    for i in range(h2):
        for j in range(w2):
            yield (
                i,
                j,
                x[:, i * stride : i * stride + size, j * stride : j * stride + size],
            )


def maxpool2d_reference(x, size, stride):
    h2 = (x.shape[1] - size) // stride + 1
    w2 = (x.shape[2] - size) // stride + 1
    out = np.empty((x.shape[0], h2, w2, x.shape[3]))
    for i, j, window in pool_windows(x, size, stride):
        out[:, i, j] = window.max(axis=(1, 2))
    return out


def cnn_reference(x, labels, conv_w, conv_b, W1, b1, W2, b2, nchw_flatten=False):
    """The capstone's loss; ``nchw_flatten`` computes the flatten-order mistake."""
    a1 = np.maximum(conv2d_reference(x, conv_w, conv_b, 1, 0), 0)
    pooled = maxpool2d_reference(a1, 2, 2)
    if nchw_flatten:
        pooled = pooled.transpose(0, 3, 1, 2)
    a2 = np.maximum(pooled.reshape(len(x), -1) @ W1 + b1, 0)
    logits = a2 @ W2 + b2
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(x)), labels].mean())


# SymPy: the same passes over symbols, on the piece active at the case's point --


def _value(expression, at):
    return float(sympy.sympify(expression).xreplace(at))


def relu_symbolic(z, at):
    """max(z, 0), choosing the branch at the point ``at`` (0 at exactly 0)."""
    pick = np.vectorize(lambda e: e if _value(e, at) > 0 else 0, otypes=[object])
    return pick(np.asarray(z, dtype=object))


def maxpool_symbolic(x, size, stride, at):
    """Max pooling that keeps, per window, the first maximum in row-major order."""
    h2 = (x.shape[1] - size) // stride + 1
    w2 = (x.shape[2] - size) // stride + 1
    out = np.empty((x.shape[0], h2, w2, x.shape[3]), dtype=object)
    for i, j, window in pool_windows(x, size, stride):
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                cells = list(window[n, :, :, c].ravel())
                values = [_value(e, at) for e in cells]
                out[n, i, j, c] = cells[int(np.argmax(values))]
    return out


def _symbols(values):
    """Symbol arrays named after the keys of ``values``, and the point they take."""
    arrays = {k: symbolic.symbols(k, np.shape(v)) for k, v in values.items()}
    at = {
        s: sympy.Float(float(v))
        for k in values
        for s, v in zip(arrays[k].ravel(), np.ravel(values[k]), strict=True)
    }
    return arrays, at


def sympy_forward(case, build):
    """Evaluate ``build(symbols, at)`` at the case's array inputs."""
    values = {k: v for k, v in case.inputs.items() if isinstance(v, np.ndarray)}
    arrays, at = _symbols(values)
    return symbolic.evaluate(
        build(arrays, at), [(arrays[k], values[k]) for k in values]
    )


def sympy_backward(case, build, values):
    """d sum(dout * build(symbols, at)) / d each symbol array, at ``values``."""
    arrays, at = _symbols(values)
    objective = np.sum(case.inputs["dout"] * build(arrays, at))
    bindings = [(arrays[k], values[k]) for k in values]
    return tuple(
        symbolic.evaluate(symbolic.derivative(objective, arrays[k]), bindings)
        for k in values
    )


# Cases --------------------------------------------------------------------------


def away_from_zero(rng, shape, margin=0.05):
    """Normal values pushed at least ``margin`` away from 0 (no ReLU kink)."""
    z = rng.normal(size=shape)
    return z + np.where(z < 0, -margin, margin)


def distinct(rng, shape):
    """A permutation of evenly spaced values in [-2, 2]: tie-free with a margin."""
    size = int(np.prod(shape))
    return rng.permutation(np.linspace(-2.0, 2.0, size)).reshape(shape)


def _relu_cases(rng, backward):
    cases = []
    for shape, zeros, small in [
        ((2, 3), 0, True),
        ((2, 5, 4, 3), 0, False),
        ((2, 3), 2, True),
        ((3, 6), 4, False),
    ]:
        x = away_from_zero(rng, shape)
        x.flat[rng.choice(x.size, zeros, replace=False)] = 0.0
        inputs = {"dout": rng.normal(size=shape), "x": x} if backward else {"x": x}
        cases.append(
            Case(inputs, note="exact zeros in x" if zeros else "", small=small)
        )
    return cases


def _dense_cases(rng, backward):
    cases = []
    for n, d, m, small in [(2, 3, 2, True), (4, 3, 5, False), (7, 6, 4, False)]:
        x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
        inputs = (
            {"dout": rng.normal(size=(n, m)), "x": x, "W": W}
            if backward
            else {"x": x, "W": W, "b": b}
        )
        cases.append(Case(inputs, small=small))
    return cases


CONV_SHAPES = [  # x shape, w shape, stride, padding, small
    ((1, 4, 4, 1), (2, 2, 1, 1), 1, 0, True),
    ((1, 4, 4, 1), (2, 2, 1, 1), 2, 1, True),
    ((2, 6, 5, 3), (3, 2, 3, 4), 1, 0, False),
    ((2, 7, 7, 2), (3, 3, 2, 3), 2, 1, False),
    ((1, 8, 6, 2), (2, 3, 2, 2), 2, 2, False),  # width: (6 + 4 - 3) / 2 is uneven
    ((3, 9, 7, 3), (3, 3, 3, 2), 3, 0, False),  # width: (7 - 3) / 3 is uneven
]


def _conv_cases(rng, backward):
    cases = []
    for xs, ws, stride, padding, small in CONV_SHAPES:
        x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[-1])
        inputs = {"x": x, "w": w, "b": b}
        if backward:
            h2, w2 = conv2d_reference(x, w, b, stride, padding).shape[1:3]
            inputs = {"dout": rng.normal(size=(xs[0], h2, w2, ws[-1])), "x": x, "w": w}
        cases.append(Case(inputs, {"stride": stride, "padding": padding}, small=small))
    return cases


POOL_SHAPES = [  # x shape, size, stride, small, note
    ((1, 4, 4, 1), 2, 2, True, ""),
    ((1, 4, 4, 1), 2, 1, True, "overlapping windows"),
    ((2, 6, 6, 3), 2, 2, False, ""),
    ((2, 7, 5, 2), 3, 1, False, "overlapping windows"),
    ((1, 5, 6, 2), 2, 1, False, "overlapping windows"),
    ((2, 8, 7, 1), 3, 2, False, "overlapping windows, uneven stride"),
]


def _pool_cases(rng, backward):
    cases = []
    for shape, size, stride, small, note in POOL_SHAPES:
        x = distinct(rng, shape)
        cases.append(_pool_case(rng, x, size, stride, backward, small, note))
    if backward:
        cases.append(_pool_case(rng, _tied(rng), 2, 2, True, True, "tied maxima"))
    return cases


def _pool_case(rng, x, size, stride, backward, small, note):
    kwargs = {"size": size, "stride": stride}
    if not backward:
        return Case({"x": x}, kwargs, note=note, small=small)
    dout = rng.normal(size=maxpool2d_reference(x, size, stride).shape)
    return Case({"dout": dout, "x": x}, kwargs, note=note, small=small)


def _tied(rng):
    """(1, 4, 4, 2) whose 2x2 windows hold two, three or four equal maxima."""
    x = distinct(rng, (1, 4, 4, 2)) - 3.0  # below every tied maximum
    for (i, j), count in zip(
        [(0, 0), (0, 2), (2, 0), (2, 2)], [2, 4, 3, 2], strict=True
    ):
        cells = rng.choice(4, count, replace=False)
        for c in range(2):
            x[0, i + cells // 2, j + cells % 2, c] = 0.5 + c
    return x


def _cnn_cases(rng):
    cases = []
    for n, xs, f, hidden, k in [
        (2, (4, 4, 1), 1, 3, 3),
        (3, (8, 7, 2), 3, 5, 4),
        (2, (6, 6, 1), 2, 4, 3),
    ]:
        cases.append(_cnn_case(rng, n, xs, f, hidden, k))
    return cases


def _cnn_case(rng, n, xs, f, hidden, k):
    """A tie-free, kink-free case: redrawn until every margin holds."""
    h3, w3 = (xs[0] - 2) // 2, (xs[1] - 2) // 2
    while True:
        x = rng.normal(size=(n, *xs))
        params = {
            "conv_w": rng.normal(size=(3, 3, xs[2], f)) / 2,
            "conv_b": rng.normal(size=f) / 4,
            "dense1_W": rng.normal(size=(h3 * w3 * f, hidden)),
            "dense1_b": rng.normal(size=hidden) / 4,
            "dense2_W": rng.normal(size=(hidden, k)),
            "dense2_b": rng.normal(size=k) / 4,
        }
        labels = rng.integers(k, size=n).astype(np.int64)
        if _cnn_margin(x, params) > MARGIN:
            small = n * h3 * w3 * f <= 4
            return Case(
                {"x": x, "labels": labels, "params": params}, batch=n, small=small
            )


def _cnn_margin(x, params):
    """Smallest distance of a ReLU input from 0 or between a window's top two."""
    z1 = conv2d_reference(x, params["conv_w"], params["conv_b"], 1, 0)
    a1 = np.maximum(z1, 0)
    gaps = [np.abs(z1).min()]
    for _, _, window in pool_windows(a1, 2, 2):
        top = np.sort(window.reshape(len(x), 4, -1), axis=1)[:, -2:]
        gaps.append(np.where(top[:, 1] > 0, top[:, 1] - top[:, 0], np.inf).min())
    flat = maxpool2d_reference(a1, 2, 2).reshape(len(x), -1)
    gaps.append(np.abs(flat @ params["dense1_W"] + params["dense1_b"]).min())
    return min(gaps)


# Kinks: which answers are accepted where the derivative is not defined ---------


def _relu_compare(got, expected, case, rtol, atol, reference):
    """At x == 0 any value between 0 and dout (a subgradient) is accepted."""
    mismatch = compare(got, expected, rtol, atol, reference)
    if mismatch is None or not mismatch.values_differ:
        return mismatch
    dout, x, value = case.inputs["dout"], case.inputs["x"], mismatch.got
    slack = atol + rtol * np.abs(dout)
    between = (value >= np.minimum(dout, 0) - slack) & (
        value <= np.maximum(dout, 0) + slack
    )
    return compare(
        got, np.where((x == 0) & between, value, expected), rtol, atol, reference
    )


def _pool_compare(got, expected, case, rtol, atol, reference):
    """In a window with several equal maxima, any split of dout among them passes.

    The rule is checked window by window, so it applies where windows do not
    overlap (stride >= size), as in the graded tie case; elsewhere the split
    must be TensorFlow's (all to the first maximum).
    """
    mismatch = compare(got, expected, rtol, atol, reference)
    if mismatch is None or not mismatch.values_differ:
        return mismatch
    size, stride = case.kwargs["size"], case.kwargs["stride"]
    if stride < size:
        return mismatch
    accepted = np.array(expected, dtype=np.float64)
    for i, j, window in pool_windows(case.inputs["x"], size, stride):
        rows, cols = (
            slice(i * stride, i * stride + size),
            slice(j * stride, j * stride + size),
        )
        top = window == window.max(axis=(1, 2), keepdims=True)
        split = np.where(top, mismatch.got[:, rows, cols], 0.0)
        if _is_split(split, top, case.inputs["dout"][:, i, j], rtol, atol):
            accepted[:, rows, cols] = np.where(top, split, accepted[:, rows, cols])
    return compare(got, accepted, rtol, atol, reference)


def _is_split(split, top, dout, rtol, atol):
    """Does every (image, channel) share its dout among its maxima, each 0..dout?"""
    slack = atol + rtol * np.abs(dout)
    total = np.abs(split.sum(axis=(1, 2)) - dout) <= slack
    low, high = np.minimum(dout, 0)[:, None, None], np.maximum(dout, 0)[:, None, None]
    inside = (split >= low - slack[:, None, None]) & (
        split <= high + slack[:, None, None]
    )
    return bool(total.all() and (inside | ~top).all())


# relu ---------------------------------------------------------------------------


def _relu_tf(case):
    return tfo.numpy(tfo.tf().nn.relu(tfo.constant(case.inputs["x"])))


def _relu_sympy(case):
    if not case.small:
        return None
    return sympy_forward(case, lambda s, at: relu_symbolic(s["x"], at))


def _relu_backward_tf(case):
    dout, x = case.inputs["dout"], case.inputs["x"]
    return tfo.gradients(tfo.tf().nn.relu, [x], dout)[0]


def _relu_backward_sympy(case):
    if not case.small:
        return None
    x = case.inputs["x"]
    return sympy_backward(case, lambda s, at: relu_symbolic(s["x"], at), {"x": x})[0]


def _relu_backward_fd(case):
    dout, x = case.inputs["dout"], case.inputs["x"]
    if (x == 0).any():
        return None  # a central difference at a kink gives dout / 2: no reference
    return fd.gradient(lambda x_: np.maximum(x_, 0), [x], (0,), dout)[0]


# dense --------------------------------------------------------------------------


def _dense(x, W, b):
    return x @ W + b


def _dense_tf(case):
    x, W, b = (tfo.constant(v) for v in case.inputs.values())
    return tfo.numpy(tfo.tf().matmul(x, W) + b)


def _dense_sympy(case):
    if not case.small:
        return None
    return sympy_forward(case, lambda s, at: _dense(s["x"], s["W"], s["b"]))


def _dense_point(case):
    x, W = case.inputs["x"], case.inputs["W"]
    return {"x": x, "W": W, "b": np.zeros(W.shape[1])}


def _dense_backward_tf(case):
    return tfo.gradients(
        lambda x, W, b: tfo.tf().matmul(x, W) + b,
        list(_dense_point(case).values()),
        case.inputs["dout"],
    )


def _dense_backward_sympy(case):
    if not case.small:
        return None
    build = lambda s, at: _dense(s["x"], s["W"], s["b"])  # noqa: E731
    return sympy_backward(case, build, _dense_point(case))


def _dense_backward_fd(case):
    point = list(_dense_point(case).values())
    return fd.gradient(_dense, point, (0, 1, 2), case.inputs["dout"])


# conv2d -------------------------------------------------------------------------


def _conv_tf(stride, padding):
    """tf.nn.conv2d with explicit symmetric padding ("SAME" pads asymmetrically)."""
    tf = tfo.tf()
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return lambda x, w, b: tf.nn.conv2d(x, w, strides=stride, padding=pads) + b


def _conv_forward_tf(case, flip=False):
    x, w, b = case.inputs.values()
    w = w[::-1, ::-1] if flip else w
    conv = _conv_tf(**case.kwargs)
    return tfo.numpy(conv(tfo.constant(x), tfo.constant(w), tfo.constant(b)))


def _conv_forward_sympy(case):
    if not case.small:
        return None
    build = lambda s, at: conv2d_reference(s["x"], s["w"], s["b"], **case.kwargs)  # noqa: E731
    return sympy_forward(case, build)


def _conv_point(case):
    x, w = case.inputs["x"], case.inputs["w"]
    return {"x": x, "w": w, "b": np.zeros(w.shape[-1])}


def _conv_backward_tf(case, flip=False):
    point = _conv_point(case)
    if flip:
        point["w"] = point["w"][::-1, ::-1]
    dx, dw, db = tfo.gradients(
        _conv_tf(**case.kwargs), list(point.values()), case.inputs["dout"]
    )
    # a flipped forward pass flips dL/dw back as well
    return (dx, dw[::-1, ::-1], db) if flip else (dx, dw, db)


def _conv_backward_sympy(case):
    if not case.small:
        return None
    build = lambda s, at: conv2d_reference(s["x"], s["w"], s["b"], **case.kwargs)  # noqa: E731
    return sympy_backward(case, build, _conv_point(case))


def _conv_backward_fd(case):
    def conv(x, w, b):
        return conv2d_reference(x, w, b, **case.kwargs)

    return fd.gradient(
        conv, list(_conv_point(case).values()), (0, 1, 2), case.inputs["dout"]
    )


# maxpool2d ----------------------------------------------------------------------


def _pool_tf(size, stride):
    return lambda x: tfo.tf().nn.max_pool2d(x, size, stride, padding="VALID")


def _pool_forward_tf(case):
    return tfo.numpy(_pool_tf(**case.kwargs)(tfo.constant(case.inputs["x"])))


def _pool_forward_sympy(case):
    if not case.small:
        return None
    return sympy_forward(
        case, lambda s, at: maxpool_symbolic(s["x"], **case.kwargs, at=at)
    )


def _pool_backward_tf(case):
    dout, x = case.inputs["dout"], case.inputs["x"]
    return tfo.gradients(_pool_tf(**case.kwargs), [x], dout)[0]


def _pool_backward_sympy(case):
    if not case.small:
        return None
    build = lambda s, at: maxpool_symbolic(s["x"], **case.kwargs, at=at)  # noqa: E731
    return sympy_backward(case, build, {"x": case.inputs["x"]})[0]


def _pool_backward_fd(case):
    if "tied" in case.note:
        return None  # a central difference halves a tie: a split only for two maxima
    dout, x = case.inputs["dout"], case.inputs["x"]
    pool = lambda x_: maxpool2d_reference(x_, **case.kwargs)  # noqa: E731
    return fd.gradient(pool, [x], (0,), dout)[0]


def _pool_routed(case, duplicate_ties=False, overwrite=False):
    """dx as a mistaken backward pass computes it, window by window."""
    dout, x = case.inputs["dout"], case.inputs["x"]
    size, stride = case.kwargs["size"], case.kwargs["stride"]
    n, c = x.shape[0], x.shape[3]
    dx, images, channels = np.zeros_like(x), *np.ogrid[:n, :c]
    for i, j, window in pool_windows(x, size, stride):
        if duplicate_ties:
            top = window == window.max(axis=(1, 2), keepdims=True)
            dx[:, i * stride : i * stride + size, j * stride : j * stride + size] += (
                top * dout[:, None, None, i, j]
            )
            continue
        first = window.reshape(n, size * size, c).argmax(axis=1)
        where = (
            images,
            i * stride + first // size,
            j * stride + first % size,
            channels,
        )
        dx[where] = dout[:, i, j] if overwrite else dx[where] + dout[:, i, j]
    return dx


# cnn_loss_and_gradients ---------------------------------------------------------


def _cnn_keras(case):
    """The capstone as a Keras Sequential in float64, weights set from the case."""
    tf = tfo.tf()
    x, labels, params = case.inputs.values()
    f64 = {"dtype": "float64"}  # explicit, as well as the block's default
    with tfo.keras_float64() as keras:
        model = keras.Sequential(
            [
                keras.Input(shape=x.shape[1:], dtype="float64"),
                keras.layers.Conv2D(params["conv_b"].size, 3, activation="relu", **f64),
                keras.layers.MaxPooling2D(2, **f64),
                keras.layers.Flatten(**f64),
                keras.layers.Dense(params["dense1_b"].size, activation="relu", **f64),
                keras.layers.Dense(params["dense2_b"].size, **f64),
            ]
        )
        model.set_weights([params[name] for name in PARAMS])
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True, **f64)
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(tfo.constant(x)))
    grads = tape.gradient(loss, model.trainable_weights)
    if any(g.dtype != tf.float64 for g in grads):
        raise RuntimeError("the Keras reference ran in float32, not float64")
    return tfo.numpy(loss), {
        name: g.numpy() for name, g in zip(PARAMS, grads, strict=True)
    }


def _cnn_nchw_flatten(case):
    """What a channel-first flatten returns: TensorFlow ops with a transpose."""
    tf = tfo.tf()
    x, labels, params = case.inputs.values()

    def loss(conv_w, conv_b, W1, b1, W2, b2):
        a1 = tf.nn.relu(tf.nn.conv2d(tfo.constant(x), conv_w, 1, "VALID") + conv_b)
        pooled = tf.transpose(tf.nn.max_pool2d(a1, 2, 2, "VALID"), [0, 3, 1, 2])
        a2 = tf.nn.relu(tf.reshape(pooled, [len(x), -1]) @ W1 + b1)
        return tf.reduce_mean(
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels, a2 @ W2 + b2)
        )

    values = [params[name] for name in PARAMS]
    value = cnn_reference(x, labels, *values, nchw_flatten=True)
    return value, dict(zip(PARAMS, tfo.gradients(loss, values), strict=True))


def _cnn_sympy(case):
    if not case.small:
        return None
    x, labels, params = case.inputs.values()
    s, at = _symbols(params)
    a1 = relu_symbolic(conv2d_reference(x, s["conv_w"], s["conv_b"], 1, 0), at)
    flat = maxpool_symbolic(a1, 2, 2, at).reshape(len(x), -1)
    a2 = relu_symbolic(flat @ s["dense1_W"] + s["dense1_b"], at)
    loss = cross_entropy_symbolic(a2 @ s["dense2_W"] + s["dense2_b"], labels)
    bindings = [(s[name], params[name]) for name in PARAMS]
    grads = {
        name: symbolic.evaluate(symbolic.derivative(loss, s[name]), bindings)
        for name in PARAMS
    }
    return symbolic.evaluate(loss, bindings), grads


def cross_entropy_symbolic(logits, labels):
    """Mean of log(sum_k exp(z_k)) - z_label: the same loss as -log softmax, with
    derivatives that SymPy builds several times faster."""
    terms = [
        sympy.log(sum(sympy.exp(z) for z in row)) - row[label]
        for row, label in zip(logits, labels, strict=True)
    ]
    return sum(terms) / len(terms)


def _cnn_fd(case):
    x, labels, params = case.inputs.values()
    values = [params[name] for name in PARAMS]
    loss = lambda *p: cnn_reference(x, labels, *p)  # noqa: E731
    grads = fd.gradient(loss, values, range(len(PARAMS)))
    return loss(*values), dict(zip(PARAMS, grads, strict=True))


def _exercise(name, points, cases, outputs, oracles, **options):
    return Exercise(
        MODULE, name, points, f"{SHEET}#{name}", cases, outputs, oracles, **options
    )


EXERCISES = [
    _exercise(
        "relu_forward",
        1,
        lambda rng: _relu_cases(rng, False),
        ("out",),
        {TENSORFLOW: _relu_tf, SYMPY: _relu_sympy},
    ),
    _exercise(
        "relu_backward",
        1,
        lambda rng: _relu_cases(rng, True),
        ("dx",),
        {
            TENSORFLOW: _relu_backward_tf,
            SYMPY: _relu_backward_sympy,
            FINITE_DIFFERENCES: _relu_backward_fd,
        },
        compare=_relu_compare,
    ),
    _exercise(
        "dense_forward",
        1,
        lambda rng: _dense_cases(rng, False),
        ("out",),
        {TENSORFLOW: _dense_tf, SYMPY: _dense_sympy},
        mistakes=("transposed",),
    ),
    _exercise(
        "dense_backward",
        2,
        lambda rng: _dense_cases(rng, True),
        ("dx", "dW", "db"),
        {
            TENSORFLOW: _dense_backward_tf,
            SYMPY: _dense_backward_sympy,
            FINITE_DIFFERENCES: _dense_backward_fd,
        },
        mistakes=("transposed",),
    ),
    _exercise(
        "conv2d_forward",
        2,
        lambda rng: _conv_cases(rng, False),
        ("out",),
        {TENSORFLOW: _conv_forward_tf, SYMPY: _conv_forward_sympy},
        mistakes=("flipped-kernel",),
        variants={"flipped-kernel": lambda c: _conv_forward_tf(c, flip=True)},
    ),
    _exercise(
        "conv2d_backward",
        3,
        lambda rng: _conv_cases(rng, True),
        ("dx", "dw", "db"),
        {
            TENSORFLOW: _conv_backward_tf,
            SYMPY: _conv_backward_sympy,
            FINITE_DIFFERENCES: _conv_backward_fd,
        },
        mistakes=("flipped-kernel",),
        variants={"flipped-kernel": lambda c: _conv_backward_tf(c, flip=True)},
    ),
    _exercise(
        "maxpool2d_forward",
        1,
        lambda rng: _pool_cases(rng, False),
        ("out",),
        {TENSORFLOW: _pool_forward_tf, SYMPY: _pool_forward_sympy},
    ),
    _exercise(
        "maxpool2d_backward",
        2,
        lambda rng: _pool_cases(rng, True),
        ("dx",),
        {
            TENSORFLOW: _pool_backward_tf,
            SYMPY: _pool_backward_sympy,
            FINITE_DIFFERENCES: _pool_backward_fd,
        },
        mistakes=("pool-overwrite", "tie-duplicated"),
        compare=_pool_compare,
        variants={
            "pool-overwrite": lambda c: _pool_routed(c, overwrite=True),
            "tie-duplicated": lambda c: _pool_routed(c, duplicate_ties=True),
        },
    ),
    _exercise(
        "cnn_loss_and_gradients",
        3,
        _cnn_cases,
        ("loss", "grads"),
        {TENSORFLOW: _cnn_keras, SYMPY: _cnn_sympy, FINITE_DIFFERENCES: _cnn_fd},
        mistakes=("flatten-order", "sum-not-mean"),
        variants={"flatten-order": _cnn_nchw_flatten},
        uses=(
            "conv2d_forward",
            "conv2d_backward",
            "maxpool2d_forward",
            "maxpool2d_backward",
            "dense_forward",
            "dense_backward",
        ),
    ),
]
