"""Case and oracle helpers shared by the chapter specs."""

from __future__ import annotations

from grader.oracles import symbolic


def regression_data(rng, n, d, scale=1.0):
    """X (n, d), w (d,), b and targets y near a linear model, all float64."""
    X = rng.normal(size=(n, d)) * scale
    w = rng.normal(size=d)
    b = float(rng.normal())
    y = X @ rng.normal(size=d) + rng.normal() + 0.1 * rng.normal(size=n)
    return X, y, w, b


def sympy_gradients(loss, shapes, values, wrt):
    """Evaluate d loss / d inputs[i] for i in ``wrt`` with SymPy.

    ``loss`` builds a SymPy expression from symbol arrays of ``shapes``;
    ``values`` are the numbers to evaluate at (same order).
    """
    symbols = [symbolic.symbols(f"v{i}", shape) for i, shape in enumerate(shapes)]
    expression = loss(*[s if s.ndim else s[()] for s in symbols])
    bindings = list(zip(symbols, values))
    return tuple(
        symbolic.evaluate(symbolic.derivative(expression, symbols[i]), bindings)
        for i in wrt
    )


def sympy_value(formula, shapes, values):
    """Evaluate ``formula`` of symbol arrays of ``shapes`` at ``values``."""
    symbols = [symbolic.symbols(f"v{i}", shape) for i, shape in enumerate(shapes)]
    expression = formula(*[s if s.ndim else s[()] for s in symbols])
    return symbolic.evaluate(expression, list(zip(symbols, values)))
