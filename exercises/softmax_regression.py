# Exercises generated from solutions/softmax_regression.py by `python -m grader stubs`.
# Replace each `raise NotImplementedError` with your code, then run
# `pytest exercises/` to see what is right and what is not.
"""Chapter 3 - softmax regression: softmax and cross-entropy over K classes.

Theory: theory/03-softmax-regression.md. Shapes: N examples, K classes.
"""

import numpy as np


def softmax(z):
    """Softmax over the last axis, numerically stable.

    Parameters
    ----------
    z : ndarray of shape (..., K)
        Logits; the classes are along the last axis.

    Returns
    -------
    p : ndarray of the same shape
        Probabilities summing to 1 along the last axis; finite for logits up
        to 1e4.

    Notes
    -----
    softmax(z)_j = exp(z_j - m) / sum_k exp(z_k - m) for any m; m = max_k z_k
    keeps every exponent <= 0. See theory/03-softmax-regression.md#softmax.
    """
    raise NotImplementedError("softmax_regression.softmax: not implemented yet")


def cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels.

    Parameters
    ----------
    logits : ndarray of shape (N, K)
    labels : ndarray of shape (N,), int64
        The true class of each example, in 0 .. K-1.

    Returns
    -------
    loss : float
        mean_i -log softmax(logits)[i, labels[i]]; finite for logits up to 1e4.

    Notes
    -----
    -log softmax(z)_y = logsumexp(z) - z_y, computed with the max shifted
    out. See theory/03-softmax-regression.md#cross_entropy.
    """
    raise NotImplementedError("softmax_regression.cross_entropy: not implemented yet")


def cross_entropy_gradient(logits, labels):
    """Gradient of ``cross_entropy(logits, labels)`` with respect to the logits.

    Parameters
    ----------
    logits : ndarray of shape (N, K)
    labels : ndarray of shape (N,), int64

    Returns
    -------
    dlogits : ndarray of shape (N, K)

    Notes
    -----
    dL/dz_ij = (softmax(z_i)_j - [j == y_i]) / N.
    See theory/03-softmax-regression.md#cross_entropy_gradient.
    """
    raise NotImplementedError(
        "softmax_regression.cross_entropy_gradient: not implemented yet"
    )
