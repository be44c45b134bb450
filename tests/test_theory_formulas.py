"""Do the key formulas of the theory sheets say what the grader computes?

A sheet marks a formula to be checked with an HTML comment on the line just
before a display block:

    <!-- formula: linear_regression.dw -->
    $$
    \\frac{\\partial \\ell}{\\partial w} = -(y - (w x + b)) \\, x
    $$

The text after the last top-level ``=`` is parsed into a SymPy expression and
compared with the reference of that name at random points.

The parser is a small one of our own, for the LaTeX that the sheets use:
SymPy's ``parse_latex`` needs ``antlr4-python3-runtime`` 4.11 (the machines
have 4.13, which SymPy refuses), and its ``lark`` backend (lark 1.3) returns
several readings for ``\\tanh(a)`` (also ``tan(h(a))``) or ``s (1 - s)`` (also a
function ``s`` applied to ``1 - s``) and reads ``\\left`` as ``\\le ft``. What
the parser accepts:

- numbers; single letters and Greek letters (``\\beta``), each with an optional
  subscript (``z_1``, ``h_{t-1}``, named ``z_1`` and ``h_t-1``); ``e`` is
  Euler's number;
- ``+ -``, products by juxtaposition, ``\\cdot`` or ``\\times``, powers ``^``,
  ``\\frac{..}{..}``, ``\\sqrt{..}``, ``\\lfloor .. \\rfloor``, parentheses;
- functions ``\\tanh \\exp \\log \\ln \\max \\min`` with a parenthesised argument
  or a single factor (``\\log s``), also with a power (``\\tanh^2(c)``);
- spacing (``\\,`` ``\\;`` ``\\quad``), ``\\left`` and ``\\right`` are ignored.

References come from :func:`reference_formulas`, built from the grader's SymPy
definitions (``grader.formulas``) where they exist and from scalar
definitions in this module otherwise.
"""

import functools
import importlib
import random
import re
from pathlib import Path

import mpmath
import pytest
import sympy

THEORY = Path(__file__).resolve().parent.parent / "theory"
MARKER = re.compile(
    r"<!--\s*formula:\s*([\w.]+)\s*-->[ \t]*\n\s*\$\$(.*?)\$\$", re.DOTALL
)
ANY_MARKER = re.compile(r"<!--\s*formula:\s*([\w.]+)\s*-->")

GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "eta",
    "theta",
    "lambda",
    "mu",
    "sigma",
    "tau",
    "phi",
    "psi",
    "omega",
    "rho",
    "Delta",
}
FUNCTIONS = {
    "tanh": sympy.tanh,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "max": sympy.Max,
    "min": sympy.Min,
}
IGNORED = {"left", "right", ",", ";", "!", "quad", "qquad", " ", "displaystyle"}


# --------------------------------------------------------------------------
# the parser


def tokenize(latex):
    """Split LaTeX into tokens: commands (with backslash), letters, numbers, symbols."""
    tokens = []
    i = 0
    while i < len(latex):
        char = latex[i]
        if char.isspace():
            i += 1
        elif char == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[i:])
            name = match.group(1)
            i += len(match.group(0))
            if name not in IGNORED:
                tokens.append("\\" + name)
        elif char.isdigit() or char == ".":
            number = re.match(r"\d*\.?\d+", latex[i:]).group(0)
            tokens.append(number)
            i += len(number)
        else:
            tokens.append(char)
            i += 1
    return tokens


class Parser:
    """Recursive descent over the tokens of one formula."""

    def __init__(self, latex):
        self.tokens = tokenize(latex)
        self.pos = 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(
                f"expected {expected or 'more'} at token {self.pos}, got {token!r}"
            )
        self.pos += 1
        return token

    def parse(self):
        expr = self.expression()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()!r} at token {self.pos}")
        return expr

    def expression(self):
        expr = self.term()
        while self.peek() in ("+", "-"):
            sign = self.take()
            right = self.term()
            expr = expr + right if sign == "+" else expr - right
        return expr

    def term(self):
        if self.peek() == "-":
            self.take()
            return -self.term()
        if self.peek() == "+":
            self.take()
        expr = self.power()
        while True:
            token = self.peek()
            if token in ("\\cdot", "\\times"):
                self.take()
                expr = expr * self.power()
            elif self.starts_factor(token):
                expr = expr * self.power()
            else:
                return expr

    def starts_factor(self, token):
        if token is None:
            return False
        if token in ("(", "{", "\\lfloor", "\\frac", "\\sqrt", "\\tfrac", "\\dfrac"):
            return True
        if token.startswith("\\"):
            return token[1:] in GREEK or token[1:] in FUNCTIONS
        return token[0].isalnum() or token[0] == "."

    def power(self):
        base = self.atom()
        if self.peek() == "^":
            self.take()
            base = base ** self.group_or_token()
        return base

    def group_or_token(self):
        """A braced group, or the single next token, as in x^2 or x_t."""
        if self.peek() == "{":
            self.take("{")
            expr = self.expression()
            self.take("}")
            return expr
        if self.peek() == "-":
            self.take()
            return -self.group_or_token()
        return self.atom()

    def raw_subscript(self):
        if self.peek() != "{":
            return self.take().lstrip("\\")
        depth, parts = 0, []
        while True:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return "".join(parts[1:]).replace("\\", "")
            parts.append(token)

    def atom(self):
        token = self.take()
        if token in ("(", "{"):
            expr = self.expression()
            self.take(")" if token == "(" else "}")
            return expr
        if token == "\\lfloor":
            expr = self.expression()
            self.take("\\rfloor")
            return sympy.floor(expr)
        if token in ("\\frac", "\\tfrac", "\\dfrac"):
            numerator = self.group_or_token()
            return numerator / self.group_or_token()
        if token == "\\sqrt":
            return sympy.sqrt(self.group_or_token())
        if token.startswith("\\") and token[1:] in FUNCTIONS:
            return self.function(FUNCTIONS[token[1:]])
        if token[0].isdigit() or token[0] == ".":
            return sympy.Rational(token)
        if token.startswith("\\") and token[1:] in GREEK:
            name = {"varepsilon": "epsilon"}.get(token[1:], token[1:])
        elif len(token) == 1 and token.isalpha():
            name = token
        else:
            raise ValueError(f"cannot read {token!r} at token {self.pos - 1}")
        if self.peek() == "_":
            self.take()
            name = f"{name}_{self.raw_subscript()}"
        return sympy.E if name == "e" else sympy.Symbol(name)

    def function(self, function):
        exponent = None
        if self.peek() == "^":
            self.take()
            exponent = self.group_or_token()
        if self.peek() == "(":
            self.take("(")
            args = [self.expression()]
            while self.peek() == ",":
                self.take(",")
                args.append(self.expression())
            self.take(")")
        else:
            args = [self.power()]
        value = function(*args)
        return value if exponent is None else value**exponent


def right_hand_side(latex):
    """The text after the last '=' that is not inside braces."""
    depth, cut = 0, 0
    for i, char in enumerate(latex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "=" and depth == 0:
            cut = i + 1
    return latex[cut:].strip().rstrip(".,")


def parse_formula(latex):
    return Parser(right_hand_side(latex)).parse()


# --------------------------------------------------------------------------
# the references


def _local_definitions():
    """Scalar stand-ins with the signatures of grader.formulas."""

    def linear(X, w, b):
        return [sum(xi * wi for xi, wi in zip(row, w, strict=True)) + b for row in X]

    def mse(y_hat, y):
        return sum((yi - pi) ** 2 for yi, pi in zip(y, y_hat, strict=True)) / (
            2 * len(y)
        )

    def sigmoid(z):
        return [1 / (1 + sympy.exp(-v)) for v in z]

    def bce(z, y):
        s = sigmoid(z)
        terms = [
            -(yi * sympy.log(si) + (1 - yi) * sympy.log(1 - si))
            for yi, si in zip(y, s, strict=True)
        ]
        return sum(terms) / len(terms)

    def softmax(z):
        exps = [sympy.exp(v) for v in z]
        return [value / sum(exps) for value in exps]

    def cross_entropy(Z, labels):
        return sum(
            -sympy.log(softmax(row)[k]) for row, k in zip(Z, labels, strict=True)
        ) / len(labels)

    return {name: value for name, value in locals().items() if callable(value)}


def grader_definitions():
    """The canonical SymPy definitions: grader.formulas where it has them.

    This is the one place that decides where the reference formulas come from.
    """
    definitions = _local_definitions()
    try:
        formulas = importlib.import_module("grader.formulas")
    except ImportError:
        return definitions
    for name in definitions:
        if hasattr(formulas, name):
            definitions[name] = getattr(formulas, name)
    return definitions


def _first(value):
    """Element 0 of a list or array result, or the value itself."""
    try:
        return value[0]
    except (TypeError, IndexError):
        return value


@functools.cache
def reference_formulas():
    """name -> (reference expression, {symbol name: definition}) for every formula.

    The definitions are the ones a sheet states in words (``s = sigma(z)``);
    they are substituted into the sheet's formula before comparing.
    """
    d = grader_definitions()
    S = sympy.Symbol
    x, y, w, b, z, a, h, N = (S(n) for n in "x y w b z a h N".split())
    z1, z2, z3 = S("z_1"), S("z_2"), S("z_3")

    line = _first(d["linear"]([[x]], [w], b))
    sq_loss = d["mse"]([line], [y])
    sig = _first(d["sigmoid"]([z]))
    sig_line = _first(d["sigmoid"]([line]))
    bce_z = d["bce"]([z], [y])
    bce_line = d["bce"]([line], [y])
    probs = list(d["softmax"]([z1, z2, z3]))
    ce = d["cross_entropy"]([[z1, z2, z3]], [0])
    p_defs = {"p_1": probs[0], "p_2": probs[1], "p_3": probs[2]}

    d1, d2, x1, x2, x3, w1, w2 = (
        S(n) for n in "delta_1 delta_2 x_1 x_2 x_3 w_1 w_2".split()
    )
    conv_loss = d1 * (x1 * w1 + x2 * w2 + b) + d2 * (x2 * w1 + x3 * w2 + b)
    delta, W = S("delta"), S("W")
    x_t, h_prev, w_x, w_h = S("x_t"), S("h_t-1"), S("w_x"), S("w_h")
    rnn_h = sympy.tanh(x_t * w_x + h_prev * w_h + b)
    f, i, g, o, c_prev, c_t = (S(n) for n in "f i g o c_t-1 c_t".split())
    delta_c, delta_h = S("delta_c"), S("delta_h")
    cell = f * c_prev + i * g
    H, K, P, Sd = S("H"), S("K"), S("P"), S("S")
    out_size = sympy.floor((H + 2 * P - K) / Sd) + 1
    theta, eta, mu, m, v, t, eps = (S(n) for n in "theta eta mu m v t epsilon".split())
    beta1, beta2, p = S("beta_1"), S("beta_2"), S("p")

    return {
        "linear_regression.model": (line, {}),
        "linear_regression.loss": (sq_loss, {}),
        "linear_regression.dw": (sympy.diff(sq_loss, w), {}),
        "linear_regression.db": (sympy.diff(sq_loss, b), {}),
        "logistic_regression.sigmoid": (sig, {}),
        "logistic_regression.sigmoid_dz": (sympy.diff(sig, z), {"s": sig}),
        "logistic_regression.loss": (bce_z, {"s": sig}),
        "logistic_regression.loss_logits": (bce_z, {}),
        "logistic_regression.dz": (sympy.diff(bce_z, z), {"s": sig}),
        "logistic_regression.dw": (sympy.diff(bce_line, w), {"s": sig_line}),
        "logistic_regression.db": (sympy.diff(bce_line, b), {"s": sig_line}),
        "softmax_regression.softmax": (probs[0], {}),
        "softmax_regression.cross_entropy": (ce, {}),
        "softmax_regression.dz1": (sympy.diff(ce, z1), p_defs),
        "softmax_regression.dz2": (sympy.diff(ce, z2), p_defs),
        "cnn.relu": (sympy.Max(x, 0), {}),
        "cnn.dense_dW": (sympy.diff(delta * (x * W + b), W), {}),
        "cnn.dense_dx": (sympy.diff(delta * (x * W + b), x), {}),
        "cnn.output_size": (out_size, {}),
        "cnn.conv1d_dw1": (sympy.diff(conv_loss, w1), {}),
        "cnn.conv1d_dx2": (sympy.diff(conv_loss, x2), {}),
        "rnn.step": (rnn_h, {}),
        "rnn.da": (delta * sympy.diff(sympy.tanh(a), a), {"h": sympy.tanh(a)}),
        "rnn.dh_prev": (sympy.diff(delta * rnn_h, h_prev), {"h_t": rnn_h}),
        "lstm.cell": (cell, {}),
        "lstm.hidden": (o * sympy.tanh(c_t), {}),
        "lstm.dc": (delta_c + sympy.diff(delta_h * o * sympy.tanh(c_t), c_t), {}),
        "lstm.dc_prev": (
            sympy.diff(delta_c * cell + delta_h * o * sympy.tanh(cell), c_prev),
            {"c_t": cell},
        ),
        "lstm.dpred": (sympy.diff((p - y) ** 2 / N, p), {}),
        "optimizers.sgd": (theta - eta * g, {}),
        "optimizers.momentum_velocity": (mu * v - eta * g, {}),
        "optimizers.adam_m": (beta1 * m + (1 - beta1) * g, {}),
        "optimizers.adam_v": (beta2 * v + (1 - beta2) * g**2, {}),
        "optimizers.adam_step": (
            theta
            - eta
            * sympy.sqrt(1 - beta2**t)
            / (1 - beta1**t)
            * m
            / (sympy.sqrt(v) + eps),
            {},
        ),
        "derivations.squared_error_dw": (sympy.diff(sq_loss, w), {}),
        "derivations.squared_error_db": (sympy.diff(sq_loss, b), {}),
        "derivations.sigmoid_dz": (sympy.diff(sig, z), {}),
        "derivations.bce_dz": (sympy.diff(bce_z, z), {}),
        "derivations.tanh_da_from_output": (
            sympy.diff(sympy.tanh(a), a).subs(sympy.tanh(a), h),
            {},
        ),
        "derivations.softmax_ce_dz1": (sympy.diff(ce, z1), {}),
        "derivations.conv_output_size": (out_size, {}),
    }


# --------------------------------------------------------------------------
# comparison


INTEGER_SYMBOLS = {"H", "K", "P", "S", "t", "N"}


def agree_at_random_points(got, expected, points=25, seed=0):
    """Do two expressions agree at random points? Returns (ok, explanation).

    Evaluated with mpmath at 30 digits, so a relative tolerance of 1e-10 leaves
    no room for a wrong formula to pass by rounding.
    """
    symbols = sorted(got.free_symbols | expected.free_symbols, key=str)
    named = {str(s): s for s in symbols}
    got_f = sympy.lambdify(symbols, got, modules="mpmath")
    expected_f = sympy.lambdify(symbols, expected, modules="mpmath")
    rng = random.Random(seed)
    for _ in range(points):
        values = {}
        for name in named:
            if name in INTEGER_SYMBOLS:
                values[name] = rng.randint(1, 9)
            else:
                # (0.05, 0.95): a probability, a beta, a positive v, all at once
                values[name] = mpmath.mpf(rng.uniform(0.05, 0.95))
        if {"H", "K", "P"} <= set(named):
            values["H"] = values["K"] + rng.randint(0, 9)
        with mpmath.workdps(30):
            args = [values[name] for name in named]
            got_value = complex(got_f(*args))
            expected_value = complex(expected_f(*args))
        difference = abs(got_value - expected_value)
        if difference > 1e-12 and difference > 1e-10 * max(
            abs(got_value), abs(expected_value)
        ):
            shown = {name: float(v) for name, v in values.items()}
            return (
                False,
                f"at {shown}: sheet gives {got_value.real:.12g}, "
                f"expected {expected_value.real:.12g}",
            )
    return True, ""


def sheet_formulas():
    """(sheet, name, latex) for every marked formula of every sheet."""
    found = []
    for sheet in sorted(THEORY.glob("*.md")):
        for match in MARKER.finditer(sheet.read_text(encoding="utf-8")):
            found.append((sheet.name, match.group(1), match.group(2)))
    return found


FORMULAS = sheet_formulas()


def test_every_marker_is_followed_by_a_display_block():
    """Is each formula marker immediately followed by a $$ ... $$ block?"""
    for sheet in sorted(THEORY.glob("*.md")):
        text = sheet.read_text(encoding="utf-8")
        markers = ANY_MARKER.findall(text)
        with_block = [name for name, _ in MARKER.findall(text)]
        assert markers == with_block, (
            f"{sheet.name}: marker(s) {sorted(set(markers) - set(with_block))} are not "
            "directly followed by a $$ block"
        )


def test_every_formula_has_a_reference_and_every_reference_is_used():
    """Is each marked formula known to the references, and each reference used once?"""
    names = [name for _, name, _ in FORMULAS]
    references = reference_formulas()
    unknown = sorted(set(names) - set(references))
    unused = sorted(set(references) - set(names))
    duplicated = sorted({name for name in names if names.count(name) > 1})
    assert not unknown, f"formulas in the sheets without a reference: {unknown}"
    assert not unused, f"references that no sheet shows: {unused}"
    assert not duplicated, f"formulas marked more than once: {duplicated}"


def test_each_chapter_sheet_has_checked_formulas():
    """Does every chapter sheet (01-07) mark at least two of its formulas?"""
    for number in range(1, 8):
        sheet = next(THEORY.glob(f"{number:02d}-*.md"))
        count = sum(1 for found, _, _ in FORMULAS if found == sheet.name)
        assert count >= 2, f"{sheet.name} marks only {count} formula(s) for checking"


@pytest.mark.parametrize(
    "sheet, name, latex",
    FORMULAS,
    ids=[f"{sheet}:{name}" for sheet, name, _ in FORMULAS],
)
def test_sheet_formula_matches_reference(sheet, name, latex):
    """Does the sheet's formula equal the grader's definition?"""
    expected, definitions = reference_formulas()[name]
    got = parse_formula(latex)
    substitutions = {sympy.Symbol(k): v for k, v in definitions.items()}
    got = got.subs(substitutions)
    stray = {str(s) for s in got.free_symbols} - {str(s) for s in expected.free_symbols}
    assert not stray, (
        f"{sheet} formula {name}: symbols {sorted(stray)} are not in the reference "
        f"{expected}; parsed {got}"
    )
    ok, why = agree_at_random_points(got, expected)
    assert ok, (
        f"{sheet} formula {name} is wrong: {why}\n"
        f"  parsed: {got}\n  expected: {expected}"
    )


@pytest.mark.parametrize(
    "latex, expected",
    [
        (r"-(y - (w x + b)) \, x", "-x*(y - w*x - b)"),
        (r"\tanh(a)", "tanh(a)"),
        (r"s (1 - s)", "s*(1 - s)"),
        (r"\left(1 - \tanh^2(c)\right) o", "(1 - tanh(c)**2)*o"),
        (r"-(y \log s + (1 - y) \log(1 - s))", "-(y*log(s) + (1 - y)*log(1 - s))"),
        (r"\frac{e^{z_1}}{e^{z_1} + e^{z_2}}", "exp(z_1)/(exp(z_1) + exp(z_2))"),
        (
            r"\left\lfloor \frac{H + 2P - K}{S} \right\rfloor + 1",
            "floor((H + 2*P - K)/S) + 1",
        ),
        (
            r"\frac{\partial L}{\partial h_{t-1}} = \delta (1 - h_t^2) w_h",
            "delta*(1 - h_t**2)*w_h",
        ),
        (
            r"\theta - \eta \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}"
            r" \frac{m}{\sqrt{v} + \epsilon}",
            "theta - eta*sqrt(1 - beta_2**t)/(1 - beta_1**t)*m/(sqrt(v) + epsilon)",
        ),
        (r"\max(x, 0)", "Max(x, 0)"),
    ],
)
def test_parser_reads_the_sheets_latex(latex, expected):
    """Does the parser read each construct the sheets use as intended?"""
    names = {
        n: sympy.Symbol(n) for n in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", expected)
    }
    names.update(
        floor=sympy.floor,
        tanh=sympy.tanh,
        log=sympy.log,
        exp=sympy.exp,
        sqrt=sympy.sqrt,
        Max=sympy.Max,
    )
    want = eval(expected, {"__builtins__": {}}, names)  # noqa: S307 - literals above
    assert sympy.simplify(parse_formula(latex) - want) == 0


def test_a_wrong_formula_is_caught():
    """Would a gradient with a flipped sign or a lost factor fail the check?"""
    expected, _ = reference_formulas()["linear_regression.dw"]
    for wrong in [r"(y - (w x + b)) x", r"-2 (y - (w x + b)) x", r"-(y - (w x + b))"]:
        ok, _ = agree_at_random_points(parse_formula(wrong), expected)
        assert not ok, f"{wrong} was accepted as linear_regression.dw"


def test_local_definitions_match_the_grader():
    """Do this module's fallback definitions agree with grader.formulas?"""
    formulas = pytest.importorskip("grader.formulas")
    local = _local_definitions()
    x, y, w, b, z1, z2 = sympy.symbols("x y w b z1 z2")
    checks = {
        "linear": lambda f: _first(f([[x]], [w], b)),
        "mse": lambda f: f([x], [y]),
        "sigmoid": lambda f: _first(f([x])),
        "bce": lambda f: f([x], [y]),
        "softmax": lambda f: _first(f([z1, z2])),
        "cross_entropy": lambda f: f([[z1, z2]], [1]),
    }
    for name, build in checks.items():
        if hasattr(formulas, name):
            ok, why = agree_at_random_points(
                sympy.sympify(build(getattr(formulas, name))),
                sympy.sympify(build(local[name])),
            )
            assert ok, f"{name}: the grader's definition and this module's differ {why}"


def test_display_blocks_are_separated_by_a_blank_line():
    """Is every $$ block separated from the next one by a blank line?

    Two blocks written back to back (a closing $$ on one line, an opening $$ on
    the next) are read by arithmatex as one block containing "$$$$".
    """
    touching = []
    for sheet in sorted(THEORY.glob("*.md")):
        lines = sheet.read_text(encoding="utf-8").splitlines()
        touching += [
            f"{sheet.name}:{n + 1}"
            for n in range(len(lines) - 1)
            if lines[n].strip() == "$$" and lines[n + 1].strip() == "$$"
        ]
    assert not touching, f"display blocks without a blank line between them: {touching}"
