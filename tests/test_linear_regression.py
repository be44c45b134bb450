"""Chapter 1: are wrong student variants rejected, and named?"""

import pytest
from conftest import solution_source

WRONG = [
    (
        "mse_loss",
        "def mse_loss(y_hat, y):\n    return float(np.mean((y - y_hat) ** 2))\n",
        "missing-half",
    ),
    (
        "mse_loss",
        "def mse_loss(y_hat, y):\n    return float(np.sum((y - y_hat) ** 2) / 2)\n",
        "sum-not-mean",
    ),
    (
        "mse_loss",
        "def mse_loss(y_hat, y):\n"
        "    return np.mean((y - y_hat) ** 2, keepdims=True) / 2\n",
        None,
    ),
    (
        "mse_gradients",
        """
def mse_gradients(X, y, w, b):
    r = X @ w + b - y
    return X.T @ r, float(np.sum(r))
""",
        "sum-not-mean",
    ),
    (
        "mse_gradients",
        """
def mse_gradients(X, y, w, b):
    r = y - (X @ w + b)
    return X.T @ r / len(y), float(np.mean(r))
""",
        "sign-flipped",
    ),
    (
        "mse_gradients",
        """
def mse_gradients(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), 2 * float(np.mean(r))
""",
        "missing-half",
    ),
    ("predict", "def predict(X, w, b):\n    return X @ w\n", None),
    ("predict", "def predict(X, w, b):\n    return (X @ w + b).tolist()\n", None),
    ("predict", "def predict(X, w, b):\n    return (X @ w + b)[:, None]\n", None),
    (
        "gd_step",
        """
def gd_step(w, b, dw, db, lr):
    w -= lr * dw
    return w, b - lr * db
""",
        "input-mutated",
    ),
    (
        "gd_step",
        "def gd_step(w, b, dw, db, lr):\n    return w + lr * dw, b + lr * db\n",
        "sign-flipped",
    ),
    ("gd_step", "def gd_step(w, b, dw, db, lr):\n    return w - dw, b - db\n", None),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b, losses = w0, b0, []
    for _ in range(epochs):
        dw, db = mse_gradients(X, y, w, b)
        w, b = gd_step(w, b, dw, db, lr)
        losses.append(mse_loss(predict(X, w, b), y))
    return w, b, losses
""",
        "loss-after-update",
    ),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b, losses = w0, b0, []
    for _ in range(epochs - 1):
        losses.append(mse_loss(predict(X, w, b), y))
        dw, db = mse_gradients(X, y, w, b)
        w, b = gd_step(w, b, dw, db, lr)
    return w, b, losses
""",
        None,
    ),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b, losses = w0, b0, []
    for _ in range(epochs):
        losses.append(mse_loss(predict(X, w, b), y))
        dw, db = mse_gradients(X, y, w, b)
        w, b = gd_step(w, b, dw, db, 2 * lr)
    return w, b, losses
""",
        None,
    ),
]


@pytest.mark.parametrize("name, code, mistake", WRONG)
def test_wrong_variant_is_rejected(variant, name, code, mistake):
    """Is a student-style wrong variant failed, with the mistake named?"""
    result = variant("linear_regression", name, code)
    assert result.status == "fail", result.message
    assert result.score == 0
    assert result.diagnosis == mistake, result.message


RIGHT = [
    (
        "predict",
        """
def predict(X, w, b):
    out = np.zeros(X.shape[0])
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            out[i] += X[i, j] * w[j]
    return out + b
""",
    ),
    (
        "mse_loss",
        "def mse_loss(y_hat, y):\n"
        "    return np.sum(np.square(y_hat - y)) / (2 * len(y))\n",
    ),
    (
        "mse_gradients",
        """
def mse_gradients(X, y, w, b):
    n = len(y)
    dw = np.zeros_like(w)
    db = 0.0
    for i in range(n):
        r = X[i] @ w + b - y[i]
        dw += r * X[i] / n
        db += r / n
    return dw, db
""",
    ),
    (
        "gd_step",
        "def gd_step(w, b, dw, db, lr):\n"
        "    w = w.copy()\n    w -= lr * dw\n    return w, b - lr * db\n",
    ),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b = w0.copy(), b0
    losses = np.empty(epochs)
    for k in range(epochs):
        losses[k] = mse_loss(predict(X, w, b), y)
        w, b = gd_step(w, b, *mse_gradients(X, y, w, b), lr)
    return w, b, losses
""",
    ),
]


@pytest.mark.parametrize("name, code", RIGHT)
def test_differently_written_variant_passes(variant, name, code):
    """Does a correct variant written another way (loops, other calls) pass?"""
    result = variant("linear_regression", name, code)
    assert result.status == "pass", result.message


def test_failure_of_a_building_block_is_named_in_fit(grade):
    """When fit fails because mse_gradients does, does fit's hint say so?"""
    code = (
        "def mse_gradients(X, y, w, b):\n    r = X @ w + b - y\n"
        "    return X.T @ r, float(np.sum(r))\n"
    )
    results = grade("linear_regression", solution_source("linear_regression") + code)
    assert results["fit"].status == "fail"
    assert "probably calls your predict, mse_loss, mse_gradients and gd_step" in (
        results["fit"].message.replace("\n  ", " ")
    )
