# Exercises generated from solutions/rnn.py by `python -m grader stubs`.
# Replace each `raise NotImplementedError` with your code, then run
# `pytest exercises/` to see what is right and what is not.
"""Chapter 5 - recurrent networks: a tanh RNN and an LSTM, forward and backward.

Theory: theory/05-rnn.md. Shapes: N sequences in a batch, T time steps, D input
features, H hidden units. The layout is Keras': ``x_t @ Wx + h_prev @ Wh + b``
with row vectors, and the LSTM's four gate blocks are ordered input, forget,
candidate (g), output along the last axis.
"""

import numpy as np


def _sigmoid(z):
    # exp of a non-positive number only: no overflow for large |z|
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def rnn_step_forward(x_t, h_prev, Wx, Wh, b):
    """One step of a tanh RNN.

    Parameters
    ----------
    x_t : ndarray of shape (N, D)
        Inputs at this time step.
    h_prev : ndarray of shape (N, H)
        Hidden state of the previous step.
    Wx : ndarray of shape (D, H)
        Input-to-hidden weights.
    Wh : ndarray of shape (H, H)
        Hidden-to-hidden weights.
    b : ndarray of shape (H,)
        Bias.

    Returns
    -------
    h_t : ndarray of shape (N, H)

    Notes
    -----
    h_t = tanh(x_t Wx + h_prev Wh + b), the row-vector form of
    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h). See theory/05-rnn.md#rnn_step_forward.
    """
    raise NotImplementedError("rnn.rnn_step_forward: not implemented yet")


def rnn_step_backward(dh_t, x_t, h_prev, h_t, Wx, Wh):
    """Backward pass of one RNN step.

    Parameters
    ----------
    dh_t : ndarray of shape (N, H)
        Upstream gradient dL/dh_t.
    x_t : ndarray of shape (N, D)
    h_prev : ndarray of shape (N, H)
    h_t : ndarray of shape (N, H)
        The step's output, as ``rnn_step_forward`` returned it.
    Wx : ndarray of shape (D, H)
    Wh : ndarray of shape (H, H)

    Returns
    -------
    dx_t : ndarray of shape (N, D)
    dh_prev : ndarray of shape (N, H)
    dWx : ndarray of shape (D, H)
    dWh : ndarray of shape (H, H)
    db : ndarray of shape (H,)

    Notes
    -----
    With a = x_t Wx + h_prev Wh + b and h_t = tanh(a), dL/da = dh_t (1 - h_t^2):
    the derivative of tanh is written with its output, which is already tanh(a).
    See theory/05-rnn.md#rnn_step_backward.
    """
    raise NotImplementedError("rnn.rnn_step_backward: not implemented yet")


def rnn_forward(x, h0, Wx, Wh, b):
    """Run a tanh RNN over whole sequences.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (N, H)
        Initial hidden state.
    Wx : ndarray of shape (D, H)
    Wh : ndarray of shape (H, H)
    b : ndarray of shape (H,)

    Returns
    -------
    hs : ndarray of shape (N, T, H)
        ``hs[:, t]`` is the hidden state after step t (h0 is not included).

    Notes
    -----
    See theory/05-rnn.md#rnn_forward.
    """
    raise NotImplementedError("rnn.rnn_forward: not implemented yet")


def rnn_backward(dhs, x, h0, hs, Wx, Wh):
    """Backpropagation through time for a tanh RNN.

    Parameters
    ----------
    dhs : ndarray of shape (N, T, H)
        Upstream gradient on every hidden state ``hs[:, t]``.
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (N, H)
    hs : ndarray of shape (N, T, H)
        The hidden states, as ``rnn_forward`` returned them.
    Wx : ndarray of shape (D, H)
    Wh : ndarray of shape (H, H)

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dh0 : ndarray of shape (N, H)
    dWx : ndarray of shape (D, H)
    dWh : ndarray of shape (H, H)
    db : ndarray of shape (H,)

    Notes
    -----
    h_t feeds both the loss (through ``dhs[:, t]``) and the next step, so the
    gradient on h_t is dhs[:, t] plus the dh_prev of step t + 1. The weights are
    shared by all steps: their gradients add up. See theory/05-rnn.md#rnn_backward.
    """
    raise NotImplementedError("rnn.rnn_backward: not implemented yet")


def lstm_step_forward(x_t, h_prev, c_prev, Wx, Wh, b):
    """One step of an LSTM with Keras' gate order (i, f, g, o).

    Parameters
    ----------
    x_t : ndarray of shape (N, D)
    h_prev : ndarray of shape (N, H)
    c_prev : ndarray of shape (N, H)
        Cell state of the previous step.
    Wx : ndarray of shape (D, 4H)
    Wh : ndarray of shape (H, 4H)
    b : ndarray of shape (4H,)

    Returns
    -------
    h_t : ndarray of shape (N, H)
    c_t : ndarray of shape (N, H)

    Notes
    -----
    a = x_t Wx + h_prev Wh + b is split along its last axis into four blocks of
    H columns: i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g),
    o = sigmoid(a_o). Then c_t = f * c_prev + i * g and h_t = o * tanh(c_t).
    See theory/05-rnn.md#lstm_step_forward.
    """
    raise NotImplementedError("rnn.lstm_step_forward: not implemented yet")


def lstm_step_backward(dh_t, dc_t, x_t, h_prev, c_prev, Wx, Wh, b):
    """Backward pass of one LSTM step.

    Parameters
    ----------
    dh_t : ndarray of shape (N, H)
        Upstream gradient dL/dh_t.
    dc_t : ndarray of shape (N, H)
        Gradient on c_t from later steps only; the path through
        h_t = o * tanh(c_t) is added here.
    x_t : ndarray of shape (N, D)
    h_prev, c_prev : ndarray of shape (N, H)
    Wx : ndarray of shape (D, 4H)
    Wh : ndarray of shape (H, 4H)
    b : ndarray of shape (4H,)

    Returns
    -------
    dx_t : ndarray of shape (N, D)
    dh_prev : ndarray of shape (N, H)
    dc_prev : ndarray of shape (N, H)
    dWx : ndarray of shape (D, 4H)
    dWh : ndarray of shape (H, 4H)
    db : ndarray of shape (4H,)

    Notes
    -----
    The forward step is recomputed. The total gradient on the cell is
    dc = dc_t + dh_t * o * (1 - tanh(c_t)^2); then dc_prev = dc * f, and the
    gate pre-activations get di * i(1 - i), df * f(1 - f), dg * (1 - g^2) and
    do * o(1 - o), with di = dc * g, df = dc * c_prev, dg = dc * i and
    do = dh_t * tanh(c_t). See theory/05-rnn.md#lstm_step_backward.
    """
    raise NotImplementedError("rnn.lstm_step_backward: not implemented yet")


def lstm_forward(x, h0, c0, Wx, Wh, b):
    """Run an LSTM over whole sequences.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0, c0 : ndarray of shape (N, H)
        Initial hidden and cell states.
    Wx : ndarray of shape (D, 4H)
    Wh : ndarray of shape (H, 4H)
    b : ndarray of shape (4H,)

    Returns
    -------
    hs : ndarray of shape (N, T, H)
        Hidden state after every step.
    cs : ndarray of shape (N, T, H)
        Cell state after every step.

    Notes
    -----
    See theory/05-rnn.md#lstm_forward.
    """
    raise NotImplementedError("rnn.lstm_forward: not implemented yet")


def lstm_backward(dhs, x, h0, c0, Wx, Wh, b):
    """Backpropagation through time for an LSTM.

    Parameters
    ----------
    dhs : ndarray of shape (N, T, H)
        Upstream gradient on every hidden state ``hs[:, t]``; the cell states
        receive no upstream gradient from outside.
    x : ndarray of shape (N, T, D)
    h0, c0 : ndarray of shape (N, H)
    Wx : ndarray of shape (D, 4H)
    Wh : ndarray of shape (H, 4H)
    b : ndarray of shape (4H,)

    Returns
    -------
    dx : ndarray of shape (N, T, D)
    dh0 : ndarray of shape (N, H)
    dc0 : ndarray of shape (N, H)
    dWx : ndarray of shape (D, 4H)
    dWh : ndarray of shape (H, 4H)
    db : ndarray of shape (4H,)

    Notes
    -----
    Both h_t and c_t feed the next step: carry dh_prev and dc_prev backwards.
    See theory/05-rnn.md#lstm_backward.
    """
    raise NotImplementedError("rnn.lstm_backward: not implemented yet")


def lstm_regression_loss_and_gradients(x, y, params):
    """Loss and gradients of stacked LSTMs, then Dense(1), with Keras' MSE.

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    y : ndarray of shape (N,)
        Targets.
    params : dict
        ``{"lstm": [{"Wx", "Wh", "b"}, ...], "dense_W": (H, 1), "dense_b": (1,)}``;
        layer k has ``Wx (H_{k-1}, 4H_k)``, ``Wh (H_k, 4H_k)``, ``b (4H_k,)``
        with H_0 = D; H is the last layer's H_k.

    Returns
    -------
    loss : float
        mean((y_hat - y)^2), without 1/2.
    grads : dict
        Same keys and shapes as ``params``.

    Notes
    -----
    Every layer but the last passes its whole sequence of hidden states to the
    next; the Dense layer reads the last layer's final hidden state only, so
    that layer's upstream gradient is zero at every step but the last. Initial
    states are zero. The Dense output has shape (N, 1): flatten it before
    subtracting y (N,), else the difference broadcasts to (N, N).
    See theory/05-rnn.md#lstm_regression_loss_and_gradients.
    """
    raise NotImplementedError(
        "rnn.lstm_regression_loss_and_gradients: not implemented yet"
    )
