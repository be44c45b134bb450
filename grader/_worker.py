"""The child process that imports a student's modules and calls their functions.

It is started by ``grader.runner`` with a clean interpreter, one per student
folder (the folder's modules share it), reads requests
from one pipe and writes answers to another, so that anything the student's
code prints or reads on the standard streams never mixes with the protocol.
This module imports nothing of the grader but the codec: monkeypatching the
grader from student code changes only this process, never the verdict.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import resource
import struct
import sys
import traceback
import warnings

from grader import _sandbox, codec

FILE_SIZE_LIMIT = 32 * 2**20


def main(request_fd: int, answer_fd: int, memory_limit: int) -> None:
    import numpy  # noqa: F401  (imported before the memory limit is set)

    _limit(resource.RLIMIT_AS, memory_limit)
    _limit(resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)
    sys.setrecursionlimit(3000)
    modules, folder = {}, None
    requests = os.fdopen(request_fd, "rb", buffering=0)
    answers = os.fdopen(answer_fd, "wb", buffering=0)
    while True:
        header = requests.read(8)
        if len(header) < 8:
            return
        request = codec.decode(_read_exact(requests, struct.unpack("<Q", header)[0]))
        if request["op"] == "load":
            if folder is None:
                folder = os.path.dirname(request["path"])
                _confine(folder)
            for dotted in request.get("forbid", []):
                try:
                    _sandbox.forbid(dotted, request["name"], folder)
                except (ImportError, AttributeError):
                    pass  # a library without that name cannot be misused by it
            modules[request["name"]], answer = _load(request["name"], request["path"])
        else:
            answer = _call(modules.get(request["module"]), folder, request)
        data = _encode_answer(answer)
        answers.write(struct.pack("<Q", len(data)) + data)


def _confine(folder):
    _sandbox.refuse_frameworks()
    _sandbox.confine(
        read=_sandbox.python_paths() + list(_sandbox.SYSTEM_READ) + [folder],
        write=[os.getcwd()],
    )
    sys.path.insert(0, folder)


def _limit(which, value):
    if value:
        resource.setrlimit(which, (value, value))


def _read_exact(stream, size):
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _load(name, path):
    spec = importlib.util.spec_from_file_location(f"student_{name}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # any failure at import is the student's to see
        return None, _failure(exc, os.path.dirname(path))
    names = [name for name in dir(module) if callable(getattr(module, name, None))]
    return module, {"status": "ok", "names": names}


def _call(student, folder, request):
    function = getattr(student, request["function"], None)
    if not callable(function):
        return {"status": "missing"}
    args, kwargs = request["args"], request["kwargs"]
    cpu_used = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    _limit_cpu(cpu_used + request["cpu_seconds"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import numpy as np

            with np.errstate(
                over="warn", divide="warn", invalid="warn", under="ignore"
            ):
                value = function(*args, **kwargs)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            return _failure(exc, folder)
    return {
        "status": "ok",
        "value": value,
        "args_after": args,
        "kwargs_after": kwargs,
        "warnings": [f"{w.category.__name__}: {w.message}"[:300] for w in caught[:5]],
    }


def _limit_cpu(seconds):
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (int(seconds) + 1, hard))


def _failure(exc, folder):
    """The exception with the student's own frames only (files in their folder)."""
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        exc = OSError(
            f"your code printed or wrote more than {FILE_SIZE_LIMIT // 2**20} MB"
        )
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.dirname(os.path.abspath(frame.filename)) == os.path.abspath(folder)
    ]
    where = "".join(traceback.format_list(frames[-5:]))
    status = "not_implemented" if isinstance(exc, NotImplementedError) else "exception"
    return {
        "status": status,
        "type": type(exc).__name__,
        "message": _text(exc)[:2000],
        "traceback": where[-4000:],
    }


def _text(exc):
    try:
        return str(exc)
    except BaseException:
        return "<the exception's message could not be read>"


def _encode_answer(answer):
    try:
        return codec.encode(answer)
    except BaseException as exc:
        return codec.encode(
            {
                "status": "exception",
                "type": "ReturnValueError",
                "message": "the returned value could not be read: "
                f"{type(exc).__name__}",
                "traceback": "",
            }
        )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
