"""SymPy as a reference: derivatives of the theory sheets' formulas.

A formula from ``grader.formulas`` is written over matrices of explicit
symbols (small problems only: n <= 5), differentiated symbol by symbol, and
evaluated at the case's numbers with mpmath at high precision, so that large
logits neither overflow nor cancel. ``simplify`` is never called on these
vector expressions: it is slow, and evaluation does not need it.
"""

from __future__ import annotations

import numpy as np
import sympy

DIGITS = 1000


def symbols(name, shape):
    """An object array of real symbols ``name_i_j`` of the given shape."""
    shape = tuple(shape)
    if not shape:
        return np.array(sympy.Symbol(name, real=True), dtype=object)
    flat = [
        sympy.Symbol(f"{name}_{'_'.join(map(str, index))}", real=True)
        for index in np.ndindex(shape)
    ]
    return np.array(flat, dtype=object).reshape(shape)


def derivative(expression, variables):
    """d expression / d v for every symbol v of ``variables`` (same shape)."""
    flat = [sympy.diff(expression, v) for v in variables.ravel()]
    return np.array(flat, dtype=object).reshape(variables.shape)


def evaluate(expressions, bindings):
    """Evaluate an object array of expressions at numbers.

    ``bindings`` is a list of ``(symbols, values)`` pairs of equal shapes.
    Returns a float64 array of the expressions' shape, or a float for 0-d.
    """
    expressions = np.asarray(expressions, dtype=object)
    names = [s for symbols_, _ in bindings for s in np.ravel(symbols_)]
    values = [v for _, values_ in bindings for v in np.ravel(values_)]
    function = sympy.lambdify(names, list(expressions.ravel()), modules="mpmath")
    import mpmath

    with mpmath.workdps(DIGITS):
        out = function(*[mpmath.mpf(float(v)) for v in values])
        result = np.array([float(v) for v in out], dtype=np.float64)
    result = result.reshape(expressions.shape)
    return float(result) if result.ndim == 0 else result
