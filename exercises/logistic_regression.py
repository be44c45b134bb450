# Exercises generated from solutions/logistic_regression.py by `python -m grader stubs`.
# Replace each `raise NotImplementedError` with your code, then run
# `pytest exercises/` to see what is right and what is not.
"""Chapter 2 - logistic regression: sigmoid, binary cross-entropy, training.

Theory: theory/02-logistic-regression.md. Shapes: N examples, D features.
"""

import numpy as np


def sigmoid(z):
    """Logistic function, numerically stable.

    Parameters
    ----------
    z : ndarray of any shape
        Logits.

    Returns
    -------
    s : ndarray of the same shape
        1 / (1 + exp(-z)), finite and without warnings for abs(z) up to 1e4.

    Notes
    -----
    For z < 0 use the equal form exp(z) / (1 + exp(z)), so that exp never
    overflows. See theory/02-logistic-regression.md#sigmoid.
    """
    raise NotImplementedError("logistic_regression.sigmoid: not implemented yet")


def bce_loss(z, y):
    """Mean binary cross-entropy of sigmoid(z) against y, computed from logits.

    Parameters
    ----------
    z : ndarray of shape (N,)
        Logits.
    y : ndarray of shape (N,)
        Targets in [0, 1] (not only 0 or 1).

    Returns
    -------
    loss : float
        Finite for large abs(z).

    Notes
    -----
    -(y log s + (1 - y) log(1 - s)) with s = sigmoid(z) equals
    log(1 + exp(z)) - y z, which ``np.logaddexp(0, z)`` computes stably.
    See theory/02-logistic-regression.md#bce_loss.
    """
    raise NotImplementedError("logistic_regression.bce_loss: not implemented yet")


def bce_gradients(X, y, w, b):
    """Gradients of ``bce_loss(X @ w + b, y)``.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    w : ndarray of shape (D,)
    b : float

    Returns
    -------
    dw : ndarray of shape (D,)
    db : float

    Notes
    -----
    dL/dz_i = (sigmoid(z_i) - y_i) / N, then dw = X^T dz and db = sum(dz).
    See theory/02-logistic-regression.md#bce_gradients.
    """
    raise NotImplementedError("logistic_regression.bce_gradients: not implemented yet")


def fit(X, y, lr, epochs, w0, b0):
    """Full-batch gradient descent on the binary cross-entropy from (w0, b0).

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    lr : float
    epochs : int
    w0 : ndarray of shape (D,)
        Not modified.
    b0 : float

    Returns
    -------
    w : ndarray of shape (D,)
    b : float
    losses : list of float, length ``epochs``
        ``losses[k]`` is the loss *before* update k.

    Notes
    -----
    See theory/02-logistic-regression.md#fit.
    """
    raise NotImplementedError("logistic_regression.fit: not implemented yet")


def predict(X, w, b):
    """Class predictions 0 or 1.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    w : ndarray of shape (D,)
    b : float

    Returns
    -------
    labels : ndarray of shape (N,), integer dtype
        1 where sigmoid(X @ w + b) >= 0.5, that is where the logit is >= 0.

    Notes
    -----
    See theory/02-logistic-regression.md#predict.
    """
    raise NotImplementedError("logistic_regression.predict: not implemented yet")
