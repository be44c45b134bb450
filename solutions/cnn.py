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
    ### BEGIN SOLUTION
    return np.maximum(x, 0.0)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return dout * (x > 0)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    return x @ W + b
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    p, (kh, kw, c, f) = padding, w.shape
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))

    # (N, H2, W2, C, KH, KW): every window the filter visits, without a copy
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    # im2col: one row per output pixel, columns in the (KH, KW, C) order of w
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c)
    out = cols @ w.reshape(-1, f) + b
    return out.reshape(*windows.shape[:3], f)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    p, (h, width), (kh, kw, c, f) = padding, x.shape[1:3], w.shape
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c)
    dout2d, (h2, w2) = dout.reshape(-1, f), dout.shape[1:3]

    db = dout2d.sum(axis=0)
    dw = (cols.T @ dout2d).reshape(w.shape)  # dL/dw = cols^T dout

    # dL/dcols, then each kernel offset (k, m) adds its slice back (col2im)
    dcols = (dout2d @ w.reshape(-1, f).T).reshape(*dout.shape[:3], kh, kw, c)
    dxp = np.zeros_like(xp)
    for k in range(kh):
        for m in range(kw):
            rows = slice(k, k + stride * (h2 - 1) + 1, stride)
            cols_ = slice(m, m + stride * (w2 - 1) + 1, stride)
            dxp[:, rows, cols_] += dcols[:, :, :, k, m]
    return dxp[:, p : p + h, p : p + width], dw, db
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]
    return windows.max(axis=(4, 5))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    n, h2, w2, c = dout.shape
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]

    # first maximum of each window in row-major order, as TensorFlow picks it
    first = windows.reshape(n, h2, w2, c, size * size).argmax(axis=-1)
    image, row, col, channel = np.ogrid[:n, :h2, :w2, :c]
    rows, cols = row * stride + first // size, col * stride + first % size
    index = np.ravel_multi_index((image, rows, cols, channel), x.shape)

    # bincount adds up the contributions of overlapping windows
    dx = np.bincount(index.ravel(), weights=dout.ravel(), minlength=x.size)
    return dx.reshape(x.shape)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    P, n = params, x.shape[0]
    z1 = conv2d_forward(x, P["conv_w"], P["conv_b"])
    a1 = relu_forward(z1)
    pooled = maxpool2d_forward(a1)
    flat = pooled.reshape(n, -1)
    z2 = dense_forward(flat, P["dense1_W"], P["dense1_b"])
    a2 = relu_forward(z2)
    logits = dense_forward(a2, P["dense2_W"], P["dense2_b"])

    # log-softmax shifted by the row maximum, so exp never overflows
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_p[np.arange(n), labels].mean())
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), labels] -= 1.0
    dlogits /= n  # the loss is a mean over the batch

    da2, dW2, db2 = dense_backward(dlogits, a2, P["dense2_W"])
    dflat, dW1, db1 = dense_backward(relu_backward(da2, z2), flat, P["dense1_W"])
    da1 = maxpool2d_backward(dflat.reshape(pooled.shape), a1)
    _, dw, db = conv2d_backward(relu_backward(da1, z1), x, P["conv_w"])
    grads = {"conv_w": dw, "conv_b": db, "dense1_W": dW1, "dense1_b": db1}
    return loss, {**grads, "dense2_W": dW2, "dense2_b": db2}
    ### END SOLUTION
