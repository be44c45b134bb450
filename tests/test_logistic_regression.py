"""Chapter 2: are wrong student variants rejected and named, right ones passed?"""

import pytest

WRONG = [
    ("sigmoid", "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n", "not-finite"),
    (
        "sigmoid",
        "def sigmoid(z):\n    return np.exp(z) / (1 + np.exp(z))\n",
        "not-finite",
    ),
    (
        "sigmoid",
        "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.clip(z, -10, 10)))\n",
        None,
    ),
    (
        "sigmoid",
        "def sigmoid(z):\n    return [1 / (1 + np.exp(-v)) for v in z]\n",
        None,
    ),
    (
        "bce_loss",
        """
def bce_loss(z, y):
    s = 1 / (1 + np.exp(-z))
    return float(np.mean(-(y * np.log(s) + (1 - y) * np.log(1 - s))))
""",
        "not-finite",
    ),
    (
        "bce_loss",
        "def bce_loss(z, y):\n    return float(np.sum(np.logaddexp(0, z) - y * z))\n",
        "sum-not-mean",
    ),
    (
        "bce_loss",
        "def bce_loss(z, y):\n    return float(np.mean(np.logaddexp(0, -z) - y * z))\n",
        None,
    ),
    (
        "bce_loss",
        """
def bce_loss(z, y):
    s = np.clip(sigmoid(z), 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(s) + (1 - y) * np.log(1 - s))))
""",
        None,
    ),
    (
        "bce_gradients",
        """
def bce_gradients(X, y, w, b):
    dz = sigmoid(X @ w + b) - y
    return X.T @ dz, float(np.sum(dz))
""",
        "sum-not-mean",
    ),
    (
        "bce_gradients",
        """
def bce_gradients(X, y, w, b):
    dz = (y - sigmoid(X @ w + b)) / len(y)
    return X.T @ dz, float(np.sum(dz))
""",
        "sign-flipped",
    ),
    (
        "bce_gradients",
        """
def bce_gradients(X, y, w, b):
    s = sigmoid(X @ w + b)
    dz = s * (1 - s) * (s - y) / len(y)
    return X.T @ dz, float(np.sum(dz))
""",
        None,
    ),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b, losses = w0, b0, []
    for _ in range(epochs):
        dw, db = bce_gradients(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
        losses.append(bce_loss(X @ w + b, y))
    return w, b, losses
""",
        "loss-after-update",
    ),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b, losses = w0, b0, []
    for _ in range(epochs):
        losses.append(bce_loss(X @ w + b, y))
        dw, db = bce_gradients(X, y, w, b)
        w, b = w + lr * dw, b + lr * db
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
        losses.append(bce_loss(X @ w + b, y))
        dw, db = bce_gradients(X, y, w, b)
        w = w - lr * dw
    return w, b, losses
""",
        None,
    ),
    (
        "predict",
        "def predict(X, w, b):\n    return (X @ w + b > 0).astype(np.int64)\n",
        None,
    ),
    ("predict", "def predict(X, w, b):\n    return sigmoid(X @ w + b) >= 0.5\n", None),
    ("predict", "def predict(X, w, b):\n    return sigmoid(X @ w + b)\n", None),
]


@pytest.mark.parametrize("name, code, mistake", WRONG)
def test_wrong_variant_is_rejected(variant, name, code, mistake):
    """Is a student-style wrong variant failed, with the mistake named?"""
    result = variant("logistic_regression", name, code)
    assert result.status == "fail", result.message
    assert result.diagnosis == mistake, result.message


RIGHT = [
    ("sigmoid", "def sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n"),
    (
        "bce_loss",
        """
def bce_loss(z, y):
    # log(1 + e^z) - y z, split by sign so exp never overflows
    softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(softplus - y * z))
""",
    ),
    (
        "bce_gradients",
        """
def bce_gradients(X, y, w, b):
    n, d = X.shape
    dw, db = np.zeros(d), 0.0
    for i in range(n):
        r = sigmoid(X[i] @ w + b) - y[i]
        dw += r * X[i] / n
        db += r / n
    return dw, db
""",
    ),
    (
        "fit",
        """
def fit(X, y, lr, epochs, w0, b0):
    w, b = w0.copy(), b0
    losses = np.zeros(epochs)
    for k in range(epochs):
        losses[k] = bce_loss(X @ w + b, y)
        dw, db = bce_gradients(X, y, w, b)
        w -= lr * dw
        b -= lr * db
    return w, b, losses
""",
    ),
    ("predict", "def predict(X, w, b):\n    return np.where(X @ w + b >= 0, 1, 0)\n"),
]


@pytest.mark.parametrize("name, code", RIGHT)
def test_differently_written_variant_passes(variant, name, code):
    """Does a correct variant written another way pass?"""
    result = variant("logistic_regression", name, code)
    assert result.status == "pass", result.message
