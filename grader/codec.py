"""Plain-data transport between the grader and the process that runs student code.

Values cross the process boundary as one JSON header followed by raw array
bytes: arrays travel as plain numbers (a dtype of kind b, i, u, f or c, a shape
and an offset) and everything else as a small JSON tree that names each
node's kind. Nothing a student controls is ever
unpickled or evaluated; an object the codec does not know arrives as an
``Opaque`` placeholder that keeps only its type name and a short repr.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

MAX_ARRAY_BYTES = 256 * 2**20
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Opaque:
    """Stands for a returned object that cannot travel as plain data."""

    type_name: str
    text: str


@dataclass(frozen=True)
class SympyText:
    """A SymPy expression as its ``srepr`` text; see ``grader.symbolic_parse``."""

    srepr: str


def encode(value: object) -> bytes:
    """Turn ``value`` into bytes that ``decode`` can read without pickle."""
    arrays: dict[str, np.ndarray] = {}
    tree = _to_tree(value, arrays, depth=0)
    layout, offset = {}, 0
    for key, array in arrays.items():
        layout[key] = [array.dtype.str, list(array.shape), offset, array.nbytes]
        offset += array.nbytes
    header = json.dumps({"tree": tree, "arrays": layout}).encode()
    body = [np.ascontiguousarray(a).tobytes() for a in arrays.values()]
    return b"".join([struct.pack("<Q", len(header)), header, *body])


def decode(data: bytes) -> object:
    """Read bytes written by ``encode``; arrays come back as plain ndarrays."""
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size].decode())
    body = memoryview(data)[8 + size :]
    arrays = {key: _array(body, *spec) for key, spec in header["arrays"].items()}
    return _from_tree(header["tree"], arrays)


def _array(body, dtype, shape, offset, nbytes):
    dtype = np.dtype(dtype)
    if dtype.kind not in "biufc" or offset + nbytes > len(body):
        raise ValueError(f"not a plain numeric array: {dtype}")
    flat = np.frombuffer(
        body, dtype=dtype, count=nbytes // max(dtype.itemsize, 1), offset=offset
    )
    return flat.reshape(shape).copy()


def _to_tree(value, arrays, depth):
    if depth > 20:
        return _opaque(value, "nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str):
            value = value[:MAX_TEXT]
        return {"t": "json", "v": value}
    if type(value) is int:
        return (
            {"t": "json", "v": value}
            if abs(value) < 2**53
            else _as_array(np.asarray(float(value)), arrays, "int")
        )
    if type(value) is float:
        return _as_array(np.asarray(value), arrays, "float")
    if isinstance(value, np.generic):
        return _as_array(np.asarray(value), arrays, "numpy-scalar")
    if isinstance(value, np.ndarray):
        return _as_array(value, arrays, None)
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        items = [_to_tree(item, arrays, depth + 1) for item in value[:10_000]]
        return {"t": type(value).__name__, "items": items}
    if type(value) is dict:
        items = [
            [str(key), _to_tree(item, arrays, depth + 1)]
            for key, item in list(value.items())[:10_000]
        ]
        return {"t": "dict", "items": items}
    if _is_sympy(value):
        return {"t": "sympy", "v": _safe_call(lambda: _srepr(value))[: 10 * MAX_TEXT]}
    return _opaque(value, None)


def _as_array(value, arrays, scalar_kind):
    # An ndarray subclass is read as its plain data: overridden comparisons or
    # methods stay behind in the student's process.
    try:
        plain = np.array(value, copy=True, subok=False)
    except Exception as exc:  # a hostile __array__ or a ragged object
        return _opaque(value, f"could not be read as an array: {exc!r}"[:200])
    if plain.dtype.kind not in "biufc" or plain.nbytes > MAX_ARRAY_BYTES:
        return _opaque(value, f"array of dtype {plain.dtype} and shape {plain.shape}")
    key = f"a{len(arrays)}"
    arrays[key] = plain
    return {"t": "array", "k": key, "scalar": scalar_kind}


def _opaque(value, why):
    text = why or _safe_call(lambda: repr(value))
    return {
        "t": "opaque",
        "type": _safe_call(lambda: type(value).__name__),
        "v": text[:200],
    }


def _is_sympy(value):
    module = getattr(type(value), "__module__", "") or ""
    return module.startswith("sympy") and hasattr(value, "free_symbols")


def _srepr(value):
    import sympy

    return sympy.srepr(value)


def _safe_call(fn):
    try:
        return str(fn())
    except Exception as exc:
        return f"<unreadable: {type(exc).__name__}>"


def _from_tree(tree, arrays):
    kind = tree["t"]
    if kind == "json":
        return tree["v"]
    if kind == "array":
        array = arrays[tree["k"]]
        if tree["scalar"] == "float":
            return float(array)
        if tree["scalar"] == "int":
            return int(array)
        if tree["scalar"] == "numpy-scalar":
            return array[()]
        return array
    if kind in ("list", "tuple"):
        items = [_from_tree(item, arrays) for item in tree["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {key: _from_tree(item, arrays) for key, item in tree["items"]}
    if kind == "sympy":
        return SympyText(tree["v"])
    return Opaque(tree["type"], tree["v"])
