# Exercises generated from solutions/cnn.py by `python -m grader stubs`.
# Replace each `raise NotImplementedError` with your code, then run
# `pytest exercises/` to see what is right and what is not.
"""Chapter 4 - a small convolutional network, forward and backward, in NumPy.

Theory: theory/04-cnn.md. Shapes: N images of height H and width W with C
channels (NHWC); F filters of size KH x KW; D flattened features, M units.
"conv" is cross-correlation, as in every deep-learning framework.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def relu_forward(x):
    """Rectified linear unit, elementwise.

    Parameters
    ----------
    x : ndarray of any shape

    Returns
    -------
    out : ndarray of the shape of ``x``
        max(x, 0).

    Notes
    -----
    See theory/04-cnn.md#relu_forward.
    """
    raise NotImplementedError("cnn.relu_forward: not implemented yet")


def relu_backward(dout, x):
    """Gradient of ``relu_forward`` with respect to its input.

    Parameters
    ----------
    dout : ndarray of the shape of ``x``
        Upstream gradient dL/dout.
    x : ndarray of any shape
        The forward input.

    Returns
    -------
    dx : ndarray of the shape of ``x``
        dout where x > 0, else 0.

    Notes
    -----
    ReLU has no derivative at exactly 0; any value between 0 and ``dout`` (a
    subgradient) is accepted there. See theory/04-cnn.md#relu_backward.
    """
    raise NotImplementedError("cnn.relu_backward: not implemented yet")


def dense_forward(x, W, b):
    """Fully connected layer.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    W : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
        x W + b.

    Notes
    -----
    See theory/04-cnn.md#dense_forward.
    """
    raise NotImplementedError("cnn.dense_forward: not implemented yet")


def dense_backward(dout, x, W):
    """Gradients of ``dense_forward``.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream gradient dL/dout.
    x : ndarray of shape (N, D)
    W : ndarray of shape (D, M)

    Returns
    -------
    dx : ndarray of shape (N, D)
    dW : ndarray of shape (D, M)
    db : ndarray of shape (M,)

    Notes
    -----
    dx = dout W^T, dW = x^T dout, db = sum over the batch of dout.
    See theory/04-cnn.md#dense_backward.
    """
    raise NotImplementedError("cnn.dense_backward: not implemented yet")


def conv2d_forward(x, w, b, stride=1, padding=0):
    """2-D cross-correlation of a batch of images with a bank of filters.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
    w : ndarray of shape (KH, KW, C, F)
    b : ndarray of shape (F,)
    stride : int
        Step between two positions of the filter, the same along both axes.
    padding : int
        Rows and columns of zeros added on all four sides of each image.

    Returns
    -------
    out : ndarray of shape (N, H2, W2, F)
        H2 = (H + 2 padding - KH) // stride + 1, W2 likewise.

    Notes
    -----
    out[n, i, j, f] = b[f] + sum_{k, l, c} xp[n, i s + k, j s + l, c] w[k, l, c, f]
    with xp the padded input and s the stride. See theory/04-cnn.md#conv2d_forward.
    """
    raise NotImplementedError("cnn.conv2d_forward: not implemented yet")


def conv2d_backward(dout, x, w, stride=1, padding=0):
    """Gradients of ``conv2d_forward``.

    Parameters
    ----------
    dout : ndarray of shape (N, H2, W2, F)
        Upstream gradient dL/dout.
    x : ndarray of shape (N, H, W, C)
    w : ndarray of shape (KH, KW, C, F)
    stride, padding : int
        As in the forward call.

    Returns
    -------
    dx : ndarray of shape (N, H, W, C)
        The padding is cut off again: dx has the shape of ``x``.
    dw : ndarray of shape (KH, KW, C, F)
    db : ndarray of shape (F,)

    Notes
    -----
    dw[k, l, c, f] = sum_{n, i, j} xp[n, i s + k, j s + l, c] dout[n, i, j, f];
    dx adds w[k, l, :, f] dout[n, i, j, f] back onto every input pixel that
    window (i, j) read. See theory/04-cnn.md#conv2d_backward.
    """
    raise NotImplementedError("cnn.conv2d_backward: not implemented yet")


def maxpool2d_forward(x, size=2, stride=2):
    """Max pooling over square windows, without padding (Keras ``"valid"``).

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
    size : int
        Side of each window.
    stride : int
        Step between two windows; windows overlap when stride < size.

    Returns
    -------
    out : ndarray of shape (N, H2, W2, C)
        H2 = (H - size) // stride + 1, W2 likewise.

    Notes
    -----
    out[n, i, j, c] = max_{k, l < size} x[n, i s + k, j s + l, c].
    See theory/04-cnn.md#maxpool2d_forward.
    """
    raise NotImplementedError("cnn.maxpool2d_forward: not implemented yet")


def maxpool2d_backward(dout, x, size=2, stride=2):
    """Gradient of ``maxpool2d_forward`` with respect to its input.

    Parameters
    ----------
    dout : ndarray of shape (N, H2, W2, C)
        Upstream gradient dL/dout.
    x : ndarray of shape (N, H, W, C)
    size, stride : int
        As in the forward call.

    Returns
    -------
    dx : ndarray of shape (N, H, W, C)

    Notes
    -----
    Each window passes its gradient to the pixel that was its maximum. When
    windows overlap (stride < size), a pixel can be the maximum of several
    windows and its gradients add up. Where a window has several equal
    maxima, any split of its gradient among them is accepted (TensorFlow gives
    it all to the first in row-major order), but not the full gradient to each.
    See theory/04-cnn.md#maxpool2d_backward.
    """
    raise NotImplementedError("cnn.maxpool2d_backward: not implemented yet")


def cnn_loss_and_gradients(x, labels, params):
    """Loss and gradients of the small CNN of the chapter.

    Conv2D (3x3, stride 1, no padding) -> ReLU -> MaxPool 2x2 -> Flatten ->
    Dense -> ReLU -> Dense -> mean softmax cross-entropy.

    Parameters
    ----------
    x : ndarray of shape (N, H, W, C)
    labels : int64 ndarray of shape (N,)
        Class of each image, in [0, K).
    params : dict
        ``conv_w`` (3, 3, C, F), ``conv_b`` (F,), ``dense1_W`` (D, M),
        ``dense1_b`` (M,), ``dense2_W`` (M, K), ``dense2_b`` (K,), where
        D = ((H - 2) // 2) * ((W - 2) // 2) * F is the size of the pooled
        feature map (3x3 convolution, then 2x2 pooling).

    Returns
    -------
    loss : float
        Mean over the batch of -log softmax(logits)[label].
    grads : dict
        dL/d of every entry of ``params``, same keys and shapes.

    Notes
    -----
    Flatten is NHWC row-major, as Keras ``Flatten``: the channel varies
    fastest. See theory/04-cnn.md#cnn_loss_and_gradients.
    """
    raise NotImplementedError("cnn.cnn_loss_and_gradients: not implemented yet")
