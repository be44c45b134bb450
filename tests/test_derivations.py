"""Chapter 7: symbolic answers - equal forms pass, wrong ones and tricks do not."""

import pytest

from grader.specs.derivations import AnswerError, parse_srepr

WRONG = [
    ("squared_error_dw", "def squared_error_dw():\n    return (y - (w*x + b)) * x\n"),
    ("squared_error_dw", "def squared_error_dw():\n    return -(y - (w*x + b))\n"),
    (
        "squared_error_dw",
        "def squared_error_dw():\n    return -2 * (y - (w*x + b)) * x\n",
    ),
    ("squared_error_db", "def squared_error_db():\n    return y - (w*x + b)\n"),
    ("squared_error_db", "def squared_error_db():\n    return -x\n"),
    ("squared_error_db", "def squared_error_db():\n    return 0.5\n"),
    (
        "sigmoid_dz",
        "def sigmoid_dz():\n    return sympy.exp(-z) / (1 + sympy.exp(-z))\n",
    ),
    ("sigmoid_dz", "def sigmoid_dz():\n    return 1 / (1 + sympy.exp(-z))\n"),
    ("sigmoid_dz", "def sigmoid_dz():\n    return 'exp(-z)/(1+exp(-z))**2'\n"),
    ("bce_dz", "def bce_dz():\n    return y - 1 / (1 + sympy.exp(-z))\n"),
    ("bce_dz", "def bce_dz():\n    return 1 / (1 + sympy.exp(-z))\n"),
    ("bce_dz", "def bce_dz():\n    return None\n"),
    (
        "tanh_da_from_output",
        "def tanh_da_from_output():\n    return 1 - sympy.tanh(a)**2\n",
    ),
    ("tanh_da_from_output", "def tanh_da_from_output():\n    return 1 - h\n"),
    ("tanh_da_from_output", "def tanh_da_from_output():\n    return 1 + h**2\n"),
    (
        "softmax_ce_dz1",
        "def softmax_ce_dz1():\n    return sympy.exp(z1) / "
        "(sympy.exp(z1) + sympy.exp(z2) + sympy.exp(z3))\n",
    ),
    (
        "softmax_ce_dz1",
        "def softmax_ce_dz1():\n    return 1 - sympy.exp(z1) / "
        "(sympy.exp(z1) + sympy.exp(z2) + sympy.exp(z3))\n",
    ),
    ("softmax_ce_dz1", "def softmax_ce_dz1():\n    return -1 + 0*z2\n"),
    ("conv_output_size", "def conv_output_size():\n    return (H + 2*P - K) / S + 1\n"),
    # 9**(9**9) would take the grader's own process minutes to evaluate
    (
        "squared_error_dw",
        "def squared_error_dw():\n    return sympy.Pow(9, "
        "sympy.Pow(9, 9, evaluate=False), evaluate=False)\n",
    ),
    ("conv_output_size", "def conv_output_size():\n    return (H - K) // S + 1\n"),
    ("conv_output_size", "def conv_output_size():\n    return (H + P - K) // S + 1\n"),
    (
        "conv_output_size",
        "def conv_output_size():\n    return sympy.ceiling((H + 2*P - K) / S) + 1\n",
    ),
]


@pytest.mark.parametrize("name, code", WRONG)
def test_wrong_answer_is_rejected(variant, name, code):
    """Is a wrong or unusable answer failed with a message that says why?"""
    result = variant("derivations", name, code)
    assert result.status == "fail", result.message
    assert "expected" in result.message or "could not" in result.message


RIGHT = [
    ("squared_error_dw", "def squared_error_dw():\n    return x*(w*x + b - y)\n"),
    (
        "squared_error_db",
        "def squared_error_db():\n    return b + w*x - y\n",
    ),
    (
        "sigmoid_dz",
        "def sigmoid_dz():\n    return sympy.exp(-z) / (1 + sympy.exp(-z))**2\n",
    ),
    ("sigmoid_dz", "def sigmoid_dz():\n    return 1 / (4 * sympy.cosh(z / 2)**2)\n"),
    ("bce_dz", "def bce_dz():\n    return (1 - y) - 1 / (1 + sympy.exp(z))\n"),
    (
        "tanh_da_from_output",
        "def tanh_da_from_output():\n    return (1 - h) * (1 + h)\n",
    ),
    (
        "softmax_ce_dz1",
        "def softmax_ce_dz1():\n    return -(sympy.exp(z2) + sympy.exp(z3)) / "
        "(sympy.exp(z1) + sympy.exp(z2) + sympy.exp(z3))\n",
    ),
    (
        "conv_output_size",
        "def conv_output_size():\n    return sympy.floor((H + 2*P - K + S) / S)\n",
    ),
]


@pytest.mark.parametrize("name, code", RIGHT)
def test_equivalent_form_passes(variant, name, code):
    """Does any algebraically equal form pass?"""
    result = variant("derivations", name, code)
    assert result.status == "pass", result.message


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "Symbol('x').__class__",
        "Function('f')(Symbol('x'))",
        "Add(" * 3000 + ")" * 3000,
        "lambda: 1",
    ],
)
def test_parser_refuses_anything_but_plain_sympy(text):
    """Is text that is not a plain SymPy constructor call refused, never run?"""
    with pytest.raises((AnswerError, RecursionError)):
        parse_srepr(text)


def test_parser_rebuilds_srepr():
    """Does srepr text come back as the same expression?"""
    import sympy

    x = sympy.Symbol("x", real=True)
    expression = -sympy.Rational(3, 2) * sympy.exp(-x) / (1 + x**2) + sympy.Float(0.25)
    assert parse_srepr(sympy.srepr(expression)) == expression


@pytest.mark.parametrize(
    "code",
    [
        "def sigmoid_dz():\n    return sympy.diff(1 / (1 + sympy.exp(-z)), z)\n",
        "def sigmoid_dz():\n    return (1 / (1 + sympy.exp(-z))).diff(z)\n",
        "def sigmoid_dz():\n    return sympy.Derivative(1 / (1 + sympy.exp(-z)), z)"
        ".doit()\n",
        "ANSWER = sympy.diff(1 / (1 + sympy.exp(-z)), z)\n\n\n"
        "def sigmoid_dz():\n    return ANSWER\n",
    ],
)
def test_letting_sympy_differentiate_is_refused(variant, code):
    """Is an answer that SymPy differentiated for the student refused, kindly?"""
    result = variant("derivations", "sigmoid_dz", code)
    assert result.status == "error", result.message
    assert result.score == 0
    assert "not allowed" in result.message and "by hand" in result.message


@pytest.mark.parametrize(
    "name, code, mistake",
    [
        (
            "squared_error_db",
            "def squared_error_db():\n    return y - (w*x + b)\n",
            "sign-flipped",
        ),
        (
            "squared_error_dw",
            "def squared_error_dw():\n    return -2*(y - (w*x + b))*x\n",
            "missing-half",
        ),
    ],
)
def test_derivation_mistakes_are_named(variant, name, code, mistake):
    """Is a flipped sign or a lost 1/2 in a derivation named as such?"""
    result = variant("derivations", name, code)
    assert result.status == "fail"
    assert result.diagnosis == mistake, result.message
