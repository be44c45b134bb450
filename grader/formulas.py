"""The formulas of the theory sheets as SymPy expressions.

The SymPy oracle differentiates these, and the theory tests check the sheets'
formulas against them. Each takes NumPy object arrays of SymPy symbols (or
numbers) in the contract's row-batch layout and returns an expression or an
object array of expressions.
"""

from __future__ import annotations

import numpy as np
import sympy


def _elementwise(function, z):
    return np.vectorize(function, otypes=[object])(np.asarray(z, dtype=object))


def linear(X, w, b):
    """y_hat = X @ w + b, shape (n,)."""
    return np.asarray(X, dtype=object) @ np.asarray(w, dtype=object) + b


def mse(y_hat, y):
    """1/(2n) * sum_i (y_i - y_hat_i)**2."""
    n = len(y)
    return sum((yi - pi) ** 2 for yi, pi in zip(y, y_hat)) / (2 * n)


def sigmoid(z):
    """1 / (1 + exp(-z)), elementwise."""
    return _elementwise(lambda v: 1 / (1 + sympy.exp(-v)), z)


def bce(z, y):
    """Mean over i of -(y_i log s_i + (1 - y_i) log(1 - s_i)), s = sigmoid(z)."""
    s = sigmoid(z)
    terms = [
        -(yi * sympy.log(si) + (1 - yi) * sympy.log(1 - si)) for yi, si in zip(y, s)
    ]
    return sum(terms) / len(terms)


def softmax(z):
    """exp(z_j) / sum_k exp(z_k) along the last axis."""
    z = np.asarray(z, dtype=object)
    exp = _elementwise(sympy.exp, z)
    return exp / exp.sum(axis=-1, keepdims=True)


def cross_entropy(Z, labels):
    """Mean over i of -log softmax(Z_i)[labels_i]."""
    p = softmax(Z)
    return sum(-sympy.log(p[i, k]) for i, k in enumerate(labels)) / len(labels)
