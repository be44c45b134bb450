"""Chapter 7: symbolic derivations (contract: shared/exercise-api.md, chapter 7).

A student's answer arrives as SymPy ``srepr`` text. It is rebuilt here by a
small parser that accepts only SymPy constructors from a fixed list, never by
``eval`` or ``sympify``. An answer passes when SymPy shows it equal to the
derivative, or, where SymPy cannot decide, when it agrees at random points
(integer points with uneven strides for ``conv_output_size``) with both the
SymPy derivative and central differences of the original expression.
"""

from __future__ import annotations

import ast
import functools

import mpmath
import numpy as np
import sympy

from grader.codec import SympyText
from grader.compare import Mismatch, describe_type
from grader.spec import FINITE_DIFFERENCES, SYMPY, Case, Exercise

MODULE = "derivations"
# SymPy's ways to differentiate, refused so that the student derives by hand.
FORBIDDEN = ("sympy.diff", "sympy.Derivative", "sympy.core.expr.Expr.diff")
SHEET = "theory/07-derivations.md"

x, y, w, b, z, a, h = sympy.symbols("x y w b z a h", real=True)
H, K, P, S = sympy.symbols("H K P S", integer=True, positive=True)
z1, z2, z3 = sympy.symbols("z1 z2 z3", real=True)
SYMBOLS = {s.name: s for s in (x, y, w, b, z, a, h, H, K, P, S, z1, z2, z3)}

ALLOWED = {
    "Symbol",
    "Integer",
    "Rational",
    "Float",
    "Add",
    "Mul",
    "Pow",
    "exp",
    "log",
    "tanh",
    "sinh",
    "cosh",
    "sin",
    "cos",
    "floor",
    "ceiling",
    "Abs",
    "Max",
    "Min",
    "Half",
    "One",
    "Zero",
    "NegativeOne",
    "Pi",
    "E",
    "Exp1",
    "Piecewise",
    "ExprCondPair",
    "BooleanTrue",
    "true",
    "StrictGreaterThan",
    "GreaterThan",
    "StrictLessThan",
    "LessThan",
    "sign",
    "sqrt",
    "Heaviside",
}
MAX_TEXT, MAX_NODES = 20_000, 2_000
# Numbers and powers beyond these are never needed, and evaluating them (say
# 9**(9**9)) would stall the grader, which runs this outside the time limit.
MAX_NUMBER, MAX_EXPONENT = 1e12, 100
POINTS = 12
# recognised from the values at the points, as for arrays
MISTAKES = ("sign-flipped", "missing-half")


class AnswerError(ValueError):
    """An answer that is not a plain SymPy expression of the allowed kinds."""


def parse_srepr(text: str) -> sympy.Expr:
    """Rebuild an expression from ``sympy.srepr`` text without evaluating code."""
    if len(text) > MAX_TEXT:
        raise AnswerError(f"the expression is too long ({len(text)} characters)")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise AnswerError("the expression could not be read") from exc
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise AnswerError("the expression is too large")
    return _build(tree)


def _build(node):
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (int, float, str, bool)
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _build(node.operand)
        if isinstance(value, (int, float)):
            return -value
    if isinstance(node, ast.Name) and node.id in ALLOWED:
        return getattr(sympy, node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name not in ALLOWED or not hasattr(sympy, name):
            raise AnswerError(
                f"the expression uses {name}, which this exercise does not need"
            )
        args = [_build(arg) for arg in node.args]
        kwargs = {k.arg: _build(k.value) for k in node.keywords}
        if name == "Pow" and len(args) == 2:
            _check_power(*args)
        return _check_size(getattr(sympy, name)(*args, **kwargs))
    raise AnswerError("the expression contains something that is not SymPy")


def _check_power(base, exponent):
    exponent = (
        sympy.sympify(exponent) if isinstance(exponent, (int, float)) else exponent
    )
    if getattr(exponent, "is_Number", False) and abs(exponent) > MAX_EXPONENT:
        raise AnswerError(
            f"the expression raises to the power {exponent}, far more "
            "than any answer here needs"
        )


def _check_size(value):
    if (
        getattr(value, "is_Number", False)
        and value.is_finite is not False
        and abs(value) > MAX_NUMBER
    ):
        raise AnswerError(
            "the expression contains a number far larger than any answer here needs"
        )
    return value


def _with_our_symbols(expression):
    """Match the student's symbols to ours by name (assumptions may differ)."""
    swaps = {s: SYMBOLS[s.name] for s in expression.free_symbols if s.name in SYMBOLS}
    return expression.xreplace(swaps)


# oracles -----------------------------------------------------------------------


def _points(rng, variables, integer):
    points = []
    while len(points) < POINTS:
        if integer:
            point = {
                H: int(rng.integers(4, 40)),
                K: int(rng.integers(1, 8)),
                P: int(rng.integers(0, 4)),
                S: int(rng.integers(1, 5)),
            }
            if point[H] + 2 * point[P] < point[K]:
                continue
        else:
            point = {v: float(rng.uniform(-3, 3)) for v in variables}
        points.append(point)
    return points


def _case_maker(original, variable, integer=False):
    def cases(rng):
        variables = sorted(original.free_symbols, key=lambda s: s.name)
        return [
            Case(
                {},
                extra={
                    "points": _points(rng, variables, integer),
                    "original": original,
                    "variable": variable,
                },
            )
        ]

    return cases


def _evaluate(expression, point):
    with mpmath.workdps(50):
        value = expression.evalf(50, subs=point)
    if not value.is_number or not value.is_real:
        raise AnswerError(f"it does not give a real number at {_show(point)}")
    return float(value)


def _sympy_oracle(derivative):
    def oracle(case):
        values = [_evaluate(derivative, p) for p in case.extra["points"]]
        return {"expression": sympy.srepr(derivative), "values": values}

    return oracle


def _fd_oracle(case):
    original, variable = case.extra["original"], case.extra["variable"]
    if variable is None:
        return None
    step = 1e-6
    values = []
    for point in case.extra["points"]:
        upper = _evaluate(original, {**point, variable: point[variable] + step})
        lower = _evaluate(original, {**point, variable: point[variable] - step})
        values.append((upper - lower) / (2 * step))
    return {"expression": None, "values": values}


# comparison --------------------------------------------------------------------


def _compare(allowed):
    def compare(got, wanted, case, rtol, atol, reference):
        if not isinstance(got, SympyText):
            return Mismatch(
                (), f"expected a SymPy expression, got {describe_type(got)}"
            )
        try:
            answer = _with_our_symbols(parse_srepr(got.srepr))
        except (AnswerError, TypeError, ValueError) as exc:
            return Mismatch((), f"your answer could not be used: {exc}")
        extra = sorted(s.name for s in answer.free_symbols if s not in allowed)
        if extra:
            return Mismatch(
                (),
                f"expected an expression in {_names(allowed)} only, "
                f"got one that also uses {', '.join(extra)}",
            )
        expected = wanted["expression"]
        if expected is not None and _provably_equal(sympy.srepr(answer), expected):
            return None
        return _compare_points(answer, wanted, case, rtol, atol, reference)

    return compare


@functools.lru_cache(maxsize=1024)
def _provably_equal(answer: str, expected: str) -> bool:
    """Does SymPy show the two (srepr texts) equal? Cached: a class repeats itself."""
    answer = parse_srepr(answer)
    # simplify is slow on large input: beyond this size the numbers decide
    if sympy.count_ops(answer) > 60:
        return False
    return sympy.simplify(answer - parse_srepr(expected)) == 0


def _compare_points(answer, wanted, case, rtol, atol, reference):
    points, expected = case.extra["points"], np.array(wanted["values"])
    try:
        got = np.array([_evaluate(answer, point) for point in points])
    except (AnswerError, TypeError, ValueError, ZeroDivisionError) as exc:
        return Mismatch((), f"your answer could not be evaluated: {exc}")
    wrong = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not wrong.any():
        return None
    first = int(np.argmax(wrong))
    # got and expected at every point let the generic mistakes (a flipped
    # sign, a factor of 2) be recognised as for arrays
    return Mismatch(
        (),
        f"does not match {reference} (rtol={rtol:g}, atol={atol:g})",
        [
            f"wrong at {int(wrong.sum())} of {len(points)} points; at "
            f"{_show(points[first])}: got {got[first]:.6g}, expected "
            f"{expected[first]:.6g}",
            f"your answer: {answer}",
        ],
        got=got,
        expected=expected,
        values_differ=True,
    )


def _show(point):
    return ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in point.items()
    )


def _names(symbols):
    return ", ".join(sorted(s.name for s in symbols))


# exercises ---------------------------------------------------------------------


def _exercise(
    name, points, original, variable, allowed, derivative=None, integer=False
):
    derivative = (
        derivative if derivative is not None else sympy.diff(original, variable)
    )
    oracles = {SYMPY: _sympy_oracle(derivative)}
    if not integer:
        oracles[FINITE_DIFFERENCES] = _fd_oracle
    return Exercise(
        MODULE,
        name,
        points,
        f"{SHEET}#{name}",
        _case_maker(original, variable, integer),
        (name,),
        oracles,
        compare=_compare(set(allowed)),
        mistakes=MISTAKES,
    )


_squared_error = (y - (w * x + b)) ** 2 / 2
_sigmoid = 1 / (1 + sympy.exp(-z))
_bce = -(y * sympy.log(_sigmoid) + (1 - y) * sympy.log(1 - _sigmoid))
_softmax_ce = -sympy.log(
    sympy.exp(z1) / (sympy.exp(z1) + sympy.exp(z2) + sympy.exp(z3))
)

EXERCISES = [
    _exercise("squared_error_dw", 1, _squared_error, w, (x, y, w, b)),
    _exercise("squared_error_db", 1, _squared_error, b, (x, y, w, b)),
    _exercise("sigmoid_dz", 1, _sigmoid, z, (z,)),
    _exercise("bce_dz", 1, _bce, z, (y, z)),
    # d tanh(a)/da = 1 - tanh(a)**2; the answer must use the output h only.
    Exercise(
        MODULE,
        "tanh_da_from_output",
        1,
        f"{SHEET}#tanh_da_from_output",
        _case_maker(1 - h**2, None),
        ("tanh_da_from_output",),
        {SYMPY: _sympy_oracle(1 - h**2)},
        compare=_compare({h}),
        mistakes=MISTAKES,
    ),
    _exercise("softmax_ce_dz1", 1, _softmax_ce, z1, (z1, z2, z3)),
    _exercise(
        "conv_output_size",
        1,
        sympy.floor((H + 2 * P - K) / S) + 1,
        None,
        (H, K, P, S),
        derivative=sympy.floor((H + 2 * P - K) / S) + 1,
        integer=True,
    ),
]
