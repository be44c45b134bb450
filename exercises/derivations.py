# Exercises generated from solutions/derivations.py by `python -m grader stubs`.
# Replace each `raise NotImplementedError` with your code, then run
# `pytest exercises/` to see what is right and what is not.
"""Chapter 7 - short symbolic derivations, answered as SymPy expressions.

Theory: theory/07-derivations.md. Each function returns an expression in the
symbols defined below; any algebraically equal form is accepted.
"""

import sympy

x, y, w, b, z, a, h = sympy.symbols("x y w b z a h", real=True)
H, K, P, S = sympy.symbols("H K P S", integer=True, positive=True)
# Not named by the contract, which asks for d/dz1 of a 3-class softmax: the
# three logits are defined here so that every answer uses the same symbols.
z1, z2, z3 = sympy.symbols("z1 z2 z3", real=True)


def squared_error_dw():
    """d/dw of (y - (w*x + b))**2 / 2.

    See theory/07-derivations.md#squared_error_dw.
    """
    raise NotImplementedError("derivations.squared_error_dw: not implemented yet")


def squared_error_db():
    """d/db of (y - (w*x + b))**2 / 2.

    See theory/07-derivations.md#squared_error_db.
    """
    raise NotImplementedError("derivations.squared_error_db: not implemented yet")


def sigmoid_dz():
    """d/dz of 1/(1 + exp(-z)).

    See theory/07-derivations.md#sigmoid_dz.
    """
    raise NotImplementedError("derivations.sigmoid_dz: not implemented yet")


def bce_dz():
    """d/dz of -(y*log(s) + (1 - y)*log(1 - s)) with s = sigmoid(z).

    See theory/07-derivations.md#bce_dz.
    """
    raise NotImplementedError("derivations.bce_dz: not implemented yet")


def tanh_da_from_output():
    """d tanh(a)/da, written with the output h = tanh(a) only (no a).

    See theory/07-derivations.md#tanh_da_from_output.
    """
    raise NotImplementedError("derivations.tanh_da_from_output: not implemented yet")


def softmax_ce_dz1():
    """d/dz1 of -log(softmax(z1, z2, z3)[0]), in the module's z1, z2, z3.

    See theory/07-derivations.md#softmax_ce_dz1.
    """
    raise NotImplementedError("derivations.softmax_ce_dz1: not implemented yet")


def conv_output_size():
    """Output height of a convolution: input height H, kernel K, padding P, stride S.

    Use floor division (``//``): a stride that does not divide evenly drops
    the last partial window. See theory/07-derivations.md#conv_output_size.
    """
    raise NotImplementedError("derivations.conv_output_size: not implemented yet")
