"""Chapter 1 - linear regression trained by gradient descent.

Theory: theory/01-linear-regression.md. Shapes: N examples, D features.
"""

import numpy as np


def predict(X, w, b):
    """Predict targets with a linear model.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        One example per row.
    w : ndarray of shape (D,)
        Weights.
    b : float
        Bias.

    Returns
    -------
    y_hat : ndarray of shape (N,)

    Notes
    -----
    y_hat = X w + b. See theory/01-linear-regression.md#predict.
    """
    ### BEGIN SOLUTION
    return X @ w + b
    ### END SOLUTION


def mse_loss(y_hat, y):
    """Mean squared error with the factor 1/2.

    Parameters
    ----------
    y_hat : ndarray of shape (N,)
        Predictions.
    y : ndarray of shape (N,)
        Targets.

    Returns
    -------
    loss : float

    Notes
    -----
    L = 1/(2N) * sum_i (y_i - y_hat_i)^2. The 1/2 cancels the 2 of the
    derivative; Keras' mean squared error has no 1/2.
    See theory/01-linear-regression.md#mse_loss.
    """
    ### BEGIN SOLUTION
    return float(np.mean((y - y_hat) ** 2) / 2)
    ### END SOLUTION


def mse_gradients(X, y, w, b):
    """Gradients of ``mse_loss(predict(X, w, b), y)``.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    w : ndarray of shape (D,)
    b : float

    Returns
    -------
    dw : ndarray of shape (D,)
        dL/dw.
    db : float
        dL/db.

    Notes
    -----
    With the residual r = X w + b - y: dL/dw = X^T r / N and dL/db = mean(r).
    See theory/01-linear-regression.md#mse_gradients.
    """
    ### BEGIN SOLUTION
    residual = X @ w + b - y
    n = X.shape[0]

    dw = X.T @ residual / n
    db = float(np.mean(residual))
    return dw, db
    ### END SOLUTION


def gd_step(w, b, dw, db, lr):
    """One gradient-descent update; the arguments are left unchanged.

    Parameters
    ----------
    w : ndarray of shape (D,)
    b : float
    dw : ndarray of shape (D,)
    db : float
    lr : float
        Learning rate.

    Returns
    -------
    w_new : ndarray of shape (D,)
        w - lr * dw, a new array.
    b_new : float
        b - lr * db.

    Notes
    -----
    See theory/01-linear-regression.md#gd_step.
    """
    ### BEGIN SOLUTION
    return w - lr * dw, b - lr * db
    ### END SOLUTION


def fit(X, y, lr, epochs, w0, b0):
    """Full-batch gradient descent from (w0, b0).

    Parameters
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    lr : float
        Learning rate.
    epochs : int
        Number of updates.
    w0 : ndarray of shape (D,)
        Initial weights (not modified).
    b0 : float
        Initial bias.

    Returns
    -------
    w : ndarray of shape (D,)
        Weights after ``epochs`` updates.
    b : float
        Bias after ``epochs`` updates.
    losses : list of float, length ``epochs``
        ``losses[k]`` is the loss *before* update k (a 1-D array is fine too).

    Notes
    -----
    See theory/01-linear-regression.md#fit.
    """
    ### BEGIN SOLUTION
    w, b, losses = w0, b0, []
    for _ in range(epochs):
        losses.append(mse_loss(predict(X, w, b), y))
        dw, db = mse_gradients(X, y, w, b)
        w, b = gd_step(w, b, dw, db, lr)
    return w, b, losses
    ### END SOLUTION
