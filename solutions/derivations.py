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
    ### BEGIN SOLUTION
    return -(y - (w * x + b)) * x
    ### END SOLUTION


def squared_error_db():
    """d/db of (y - (w*x + b))**2 / 2.

    See theory/07-derivations.md#squared_error_db.
    """
    ### BEGIN SOLUTION
    return -(y - (w * x + b))
    ### END SOLUTION


def sigmoid_dz():
    """d/dz of 1/(1 + exp(-z)).

    See theory/07-derivations.md#sigmoid_dz.
    """
    ### BEGIN SOLUTION
    s = 1 / (1 + sympy.exp(-z))
    return s * (1 - s)
    ### END SOLUTION


def bce_dz():
    """d/dz of -(y*log(s) + (1 - y)*log(1 - s)) with s = sigmoid(z).

    See theory/07-derivations.md#bce_dz.
    """
    ### BEGIN SOLUTION
    return 1 / (1 + sympy.exp(-z)) - y
    ### END SOLUTION


def tanh_da_from_output():
    """d tanh(a)/da, written with the output h = tanh(a) only (no a).

    See theory/07-derivations.md#tanh_da_from_output.
    """
    ### BEGIN SOLUTION
    return 1 - h**2
    ### END SOLUTION


def softmax_ce_dz1():
    """d/dz1 of -log(softmax(z1, z2, z3)[0]), in the module's z1, z2, z3.

    See theory/07-derivations.md#softmax_ce_dz1.
    """
    ### BEGIN SOLUTION
    return sympy.exp(z1) / (sympy.exp(z1) + sympy.exp(z2) + sympy.exp(z3)) - 1
    ### END SOLUTION


def conv_output_size():
    """Output height of a convolution: input height H, kernel K, padding P, stride S.

    Use floor division (``//``): a stride that does not divide evenly drops
    the last partial window. See theory/07-derivations.md#conv_output_size.
    """
    ### BEGIN SOLUTION
    return (H + 2 * P - K) // S + 1
    ### END SOLUTION
