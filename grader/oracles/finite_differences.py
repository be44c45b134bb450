"""Central finite differences in float64, the oracle that needs no framework."""

from __future__ import annotations

import numpy as np

STEP = 1e-6


def gradient(function, inputs, wrt, output_gradient=None, step=STEP):
    """Numerical gradients of a scalar objective with respect to ``inputs[i]``.

    The objective is ``function(*inputs)`` itself when it is scalar, else
    ``sum(output_gradient * function(*inputs))``. Returns one array (or a float,
    for a scalar input) per index in ``wrt``.
    """
    inputs = [np.array(x, dtype=np.float64) for x in inputs]

    def objective():
        out = np.asarray(function(*inputs), dtype=np.float64)
        return float(out if output_gradient is None else np.sum(output_gradient * out))

    results = []
    for i in wrt:
        x = inputs[i]
        grad = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            # f'(x) ~ (f(x + h) - f(x - h)) / 2h, truncation error O(h**2)
            x[index] = original + step
            upper = objective()
            x[index] = original - step
            lower = objective()
            x[index] = original
            grad[index] = (upper - lower) / (2 * step)
        results.append(float(grad) if grad.ndim == 0 else grad)
    return tuple(results)
