"""Turn a student's return value and an expected one into a verdict and a message.

The message follows the house format: where (``conv2d_backward -> dw``), against
which reference and tolerance, then what differs: shape, dtype, type, how many
elements (count and percent), a few indices with got and expected, and the
largest absolute and relative errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.codec import Opaque, SympyText

MAX_INDICES = 5


@dataclass
class Mismatch:
    """The first place where a return value differs from the expected one."""

    path: tuple  # keys from the top of the return value down to the bad output
    headline: str
    details: list[str] = field(default_factory=list)
    got: object = None
    expected: object = None
    values_differ: bool = False  # same type and shape, the numbers differ

    def where(self, function: str, names: tuple[str, ...]) -> str:
        parts = [function]
        for depth, key in enumerate(self.path):
            if depth == 0 and isinstance(key, int) and len(names) > 1:
                parts.append(names[key])
            elif isinstance(key, int):
                parts[-1] += f"[{key}]"
            else:
                parts.append(str(key))
        return " -> ".join(parts)


def compare(got, expected, rtol, atol, reference="the reference", names=()):
    """Return ``None`` when ``got`` matches ``expected``, else a ``Mismatch``.

    ``expected`` sets the structure: a tuple of outputs (named by ``names``), a
    dict or list of arrays, an array, or a scalar ``float``.
    """
    return _compare(got, expected, (), rtol, atol, reference, names)


def _compare(got, expected, path, rtol, atol, reference, names):
    if isinstance(expected, tuple):
        return _compare_sequence(
            got, expected, path, rtol, atol, reference, names, "a tuple", (tuple, list)
        )
    if isinstance(expected, list) and all(type(v) is float for v in expected):
        return _compare_numbers(got, expected, path, rtol, atol, reference)
    if isinstance(expected, list):
        return _compare_sequence(
            got, expected, path, rtol, atol, reference, names, "a list", (tuple, list)
        )
    if isinstance(expected, dict):
        return _compare_dict(got, expected, path, rtol, atol, reference, names)
    if isinstance(expected, float):
        return _compare_scalar(got, expected, path, rtol, atol, reference)
    return _compare_array(got, np.asarray(expected), path, rtol, atol, reference)


def _compare_sequence(got, expected, path, rtol, atol, reference, names, kind, types):
    what = f"{kind} of {len(expected)} values"
    if not path and len(names) == len(expected):
        what += f" ({', '.join(names)})"
    if not isinstance(got, types):
        return Mismatch(path, f"expected {what}, got {describe_type(got)}")
    if len(got) != len(expected):
        return Mismatch(path, f"expected {what}, got {len(got)} values")
    for index, (item, wanted) in enumerate(zip(got, expected)):
        mismatch = _compare(item, wanted, path + (index,), rtol, atol, reference, names)
        if mismatch:
            return mismatch
    return None


def _compare_numbers(got, expected, path, rtol, atol, reference):
    """A sequence of numbers (training losses): a list, tuple or 1-D array."""
    wanted = f"a sequence of {len(expected)} numbers"
    if not isinstance(got, (list, tuple, np.ndarray)):
        return Mismatch(path, f"expected {wanted}, got {describe_type(got)}")
    items = [v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v for v in got]
    if not all(isinstance(v, (int, float, np.integer, np.floating)) for v in items):
        return Mismatch(path, f"expected {wanted}, got items that are not numbers")
    array = np.asarray(items, dtype=np.float64)
    if array.shape != (len(expected),):
        return Mismatch(
            path,
            f"expected {wanted}, got {len(items)}",
            got=array,
            expected=np.asarray(expected),
        )
    return _compare_values(array, np.asarray(expected), path, rtol, atol, reference)


def _compare_dict(got, expected, path, rtol, atol, reference, names):
    if not isinstance(got, dict):
        return Mismatch(
            path,
            f"expected a dict with keys {sorted(expected)}, got {describe_type(got)}",
        )
    missing = [key for key in expected if key not in got]
    if missing:
        return Mismatch(
            path,
            f"the dict has no key {missing[0]!r} "
            f"(expected keys: {', '.join(expected)})",
        )
    for key, wanted in expected.items():
        mismatch = _compare(
            got[key], wanted, path + (key,), rtol, atol, reference, names
        )
        if mismatch:
            return mismatch
    return None


def _compare_scalar(got, expected, path, rtol, atol, reference):
    if isinstance(got, np.ndarray) and got.shape == ():
        got = got[()]
    if isinstance(got, (bool, np.bool_)) or not isinstance(
        got, (int, float, np.number)
    ):
        advice = "; use float(...) or .item()" if isinstance(got, np.ndarray) else ""
        return Mismatch(
            path, f"expected a scalar (a float), got {describe_type(got)}{advice}"
        )
    if isinstance(got, complex) or np.iscomplexobj(got):
        return Mismatch(path, f"expected a real number, got the complex {got!r}")
    if isinstance(got, np.floating) and got.dtype != np.float64:
        return Mismatch(
            path,
            f"expected a float64 scalar, got {got.dtype}: keep the "
            "computation in float64",
        )
    return _compare_values(
        np.asarray(float(got)), np.asarray(expected), path, rtol, atol, reference
    )


def _compare_array(got, expected, path, rtol, atol, reference):
    wanted = f"a NumPy array of shape {expected.shape} ({expected.dtype})"
    if not isinstance(got, np.ndarray) or (got.ndim == 0 and expected.ndim > 0):
        advice = (
            "; wrap it with np.array(...)" if isinstance(got, (list, tuple)) else ""
        )
        return Mismatch(path, f"expected {wanted}, got {describe_type(got)}{advice}")
    if got.shape != expected.shape:
        return Mismatch(
            path,
            f"expected shape {expected.shape}, got shape {got.shape}",
            got=got,
            expected=expected,
        )
    problem = _dtype_problem(got.dtype, expected.dtype)
    if problem:
        return Mismatch(path, problem, got=got, expected=expected)
    return _compare_values(got, expected, path, rtol, atol, reference)


def _dtype_problem(got, expected):
    if got.kind == "c" and expected.kind != "c":
        return f"expected real numbers ({expected}), got complex ones ({got})"
    if expected.kind == "f" and got.kind in "iub":
        return None  # integers hold exact values; the comparison decides
    if expected.kind == "f" and got != expected:
        return (
            f"expected dtype {expected}, got {got}: keep the computation in {expected}"
        )
    if expected.kind in "iu" and got.kind not in "iu":
        return (
            f"expected an integer array ({expected}), got dtype {got}; "
            "convert with .astype(np.int64)"
        )
    return None


def _compare_values(got, expected, path, rtol, atol, reference):
    got = got.astype(np.float64) if got.dtype.kind != "f" else got
    expected = expected.astype(np.float64)
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    not_finite = ~np.isfinite(got) & np.isfinite(expected)
    if not_finite.any():
        headline = (
            f"has {int(not_finite.sum())} non-finite value(s) (nan or inf) "
            "where a finite number was expected"
        )
    else:
        headline = f"does not match {reference} (rtol={rtol:g}, atol={atol:g})"
    return Mismatch(
        path,
        headline,
        value_details(got, expected, close),
        got=got,
        expected=expected,
        values_differ=True,
    )


def value_details(got, expected, close):
    """Lines saying how many elements differ, where, and by how much."""
    wrong = ~close
    count, total = int(wrong.sum()), wrong.size
    with np.errstate(all="ignore"):
        error = np.abs(got - expected)
        relative = error / np.abs(expected)
    error = np.where(wrong, np.where(np.isnan(error), np.inf, error), 0.0)
    has_relative = wrong & np.isfinite(relative)
    # where the expected value is 0 a relative error means nothing
    largest_relative = (
        _number(relative[has_relative].max()) if has_relative.any() else "n/a"
    )
    lines = [
        f"{count} of {total} elements differ ({100 * count / total:.0f}%); "
        f"max abs error {_number(np.nanmax(error))}, "
        f"max rel error {largest_relative}"
    ]
    if got.ndim == 0:
        return [f"got {_pair(got, expected)}"]
    for index in list(zip(*np.nonzero(wrong)))[:MAX_INDICES]:
        label = "[" + ", ".join(str(int(i)) for i in index) + "]"
        lines.append(f"{label}: got {_pair(got[index], expected[index])}")
    return lines


def _number(value, digits=6):
    return f"{float(value):.{digits}g}"


def _pair(got, expected):
    """'a, expected b' with enough digits that a and b differ on the page."""
    for digits in (6, 9, 12, 17):
        shown = _number(got, digits), _number(expected, digits)
        if shown[0] != shown[1]:
            break
    return f"{shown[0]}, expected {shown[1]}"


def describe_type(value) -> str:
    """A student's words for what a function returned."""
    if value is None:
        return "None (did you forget a return statement?)"
    if isinstance(value, Opaque):
        return f"an object of type {value.type_name}"
    if isinstance(value, SympyText):
        return "a SymPy expression"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.ndim else "a 0-d array"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"
