"""The only code that calls student functions.

A student's modules are imported in a fresh child interpreter, one per student
folder (never a fork of the grader, which may hold TensorFlow), with a memory
limit, a CPU limit, a scratch working directory and, on Linux, a Landlock file
sandbox (``grader._sandbox``). Every call has a wall-clock limit: when it runs out
the child is killed and the next call starts a new one, so one infinite loop
costs one exercise and grading goes on. Arguments are sent as copies and come
back after the call, so an argument modified in place is seen and reported.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import codec

MEMORY_LIMIT = 4 * 2**30
LOAD_SECONDS = 60.0
_GRADER_PARENT = str(Path(__file__).resolve().parent.parent)
_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); from grader import _worker; "
    "sys.path.remove({root!r}); _worker.main(*map(int, sys.argv[1:]))"
)


@dataclass
class CallResult:
    """What happened when a student function was called.

    ``status`` is one of ``ok``, ``exception``, ``not_implemented``,
    ``missing``, ``timeout`` or ``crashed``.
    """

    status: str
    value: object = None
    args_after: list = field(default_factory=list)
    kwargs_after: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    output: str = ""


class StudentProcess:
    """The child process of one student folder; its modules load into it.

    Use as a context manager. After a timeout or a crash the child is gone;
    the next call starts a new one and imports again what it needs.
    """

    def __init__(
        self,
        folder: Path,
        load_seconds: float = LOAD_SECONDS,
        memory_limit: int = MEMORY_LIMIT,
    ):
        self.folder = Path(folder).resolve()
        self.load_seconds = load_seconds
        self.memory_limit = memory_limit
        self._process = None
        self._scratch = None
        self._loaded: dict[str, CallResult] = {}
        # An import that failed or hung is not tried again after a restart.
        self._failed: dict[str, CallResult] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def load(self, module: str, forbid=()) -> CallResult:
        """Import ``<folder>/<module>.py``: ``ok`` with the names it defines.

        ``forbid`` names functions or classes (``"sympy.diff"``) that the
        module's code may not call or create.
        """
        if module in self._failed:
            return self._failed[module]
        if self._process is None:
            self._start()
        if module not in self._loaded:
            path = str(self.folder / f"{module}.py")
            answer = self._ask(
                {"op": "load", "name": module, "path": path, "forbid": list(forbid)},
                self.load_seconds,
            )
            if answer.status == "timeout":
                answer.error = "importing your module did not finish in time"
            if answer.status != "ok":
                self._failed[module] = answer
            self._loaded[module] = answer
        return self._loaded[module]

    def call(self, module, function, args, kwargs=None, seconds=10.0) -> CallResult:
        """Call ``module.function(*args, **kwargs)`` in the child within ``seconds``."""
        loaded = self.load(module)
        if loaded.status != "ok":
            return loaded
        request = {
            "op": "call",
            "module": module,
            "function": function,
            "args": list(args),
            "kwargs": dict(kwargs or {}),
            "cpu_seconds": seconds * 2,
        }
        return self._ask(request, seconds)

    def close(self):
        if self._process is not None:
            self._kill()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def _start(self):
        self._scratch = self._scratch or tempfile.TemporaryDirectory(prefix="dlmk-")
        self._loaded = {}
        _become_subreaper()
        request_read, self._request_write = os.pipe()
        self._answer_read, answer_write = os.pipe()
        self._output_path = Path(self._scratch.name) / "output.txt"
        with open(self._output_path, "wb") as output:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-u",  # unbuffered: what was printed before a crash is kept
                    "-c",
                    _BOOT.format(root=_GRADER_PARENT),
                    str(request_read),
                    str(answer_write),
                    str(self.memory_limit),
                ],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                pass_fds=(request_read, answer_write),
                cwd=self._scratch.name,
                env=_child_environment(self._scratch.name),
                start_new_session=True,
            )
        os.close(request_read)
        os.close(answer_write)
        _LIVE.add(self._process.pid)

    def _ask(self, request, seconds) -> CallResult:
        started = time.monotonic()
        self._output_mark = self._output_size()
        try:
            data = codec.encode(request)
            os.write(self._request_write, struct.pack("<Q", len(data)))
            _write_all(self._request_write, data)
            answer = self._read_answer(started + seconds)
        except TimeoutError:
            self._kill()
            return CallResult("timeout", seconds=seconds, output=self._output_tail())
        except (EOFError, BrokenPipeError, OSError):
            return self._crashed(time.monotonic() - started)
        elapsed = time.monotonic() - started
        return _as_call_result(answer, elapsed)

    def _read_answer(self, deadline):
        header = self._read(8, deadline)
        return codec.decode(self._read(struct.unpack("<Q", header)[0], deadline))

    def _read(self, size, deadline):
        chunks = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._answer_read], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._answer_read, min(size, 2**20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _crashed(self, elapsed):
        code = self._process.wait(timeout=5) if self._process else None
        output = self._output_tail()
        self._kill()
        return CallResult(
            "crashed", error=_describe_exit(code), seconds=elapsed, output=output
        )

    def _kill(self):
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
        _LIVE.discard(process.pid)
        _end_orphans()
        for fd in (self._request_write, self._answer_read):
            try:
                os.close(fd)
            except OSError:
                pass

    def _output_size(self):
        try:
            return os.path.getsize(self._output_path)
        except OSError:
            return 0

    def _output_tail(self, size=1000):
        """What the student's code printed during the current request (its end)."""
        try:
            with open(self._output_path, "rb") as output:
                output.seek(0, os.SEEK_END)
                output.seek(max(self._output_mark, output.tell() - size))
                return output.read().decode(errors="replace")
        except OSError:
            return ""


# Student processes this process runs now; anything else that becomes our child
# in a process group of its own was left behind by one of them.
_LIVE: set[int] = set()
_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper():
    """Make orphans of student processes (a double fork) our children (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _end_orphans():
    """Kill and reap what a student's code left running after its process ended."""
    if not os.path.isdir("/proc"):
        return
    me, group = os.getpid(), os.getpgrp()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in _LIVE:
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and int(fields[2]) != group:
            try:
                os.kill(int(entry), signal.SIGKILL)
                os.waitpid(int(entry), 0)
            except OSError:
                pass


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _child_environment(scratch):
    keep = (
        "PATH",
        "LANG",
        "LC_ALL",
        "SYSTEMROOT",
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
    )
    env = {key: os.environ[key] for key in keep if key in os.environ}
    # One BLAS thread per child: graders run in parallel, and results stay
    # reproducible from run to run.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["HOME"] = env["TMPDIR"] = scratch
    return env


def _as_call_result(answer, elapsed):
    status = answer.get("status") if isinstance(answer, dict) else None
    if status == "ok":
        return CallResult(
            "ok",
            value=answer.get("value", answer.get("names")),
            args_after=answer.get("args_after", []),
            kwargs_after=answer.get("kwargs_after", {}),
            warnings=answer.get("warnings", []),
            seconds=elapsed,
        )
    if status in ("exception", "not_implemented"):
        text = f"{answer['type']}: {answer['message']}".rstrip(": ")
        if answer.get("traceback"):
            text = f"{answer['traceback'].rstrip()}\n{text}"
        return CallResult(status, error=text, seconds=elapsed)
    if status == "missing":
        return CallResult("missing", seconds=elapsed)
    return CallResult(
        "crashed", error="the grader could not read the answer", seconds=elapsed
    )


def _describe_exit(code):
    if code is None:
        return "the Python process running your code stopped responding"
    if code < 0:
        name = signal.Signals(-code).name
        reasons = {
            "SIGSEGV": "it crashed (segmentation fault)",
            "SIGXCPU": "it used more CPU time than allowed",
            "SIGXFSZ": "it printed or wrote more than 32 MB",
            "SIGKILL": "it was killed, most likely for using too much memory",
        }
        return f"the Python process running your code ended: {reasons.get(name, name)}"
    return f"the Python process running your code exited with status {code} (os._exit?)"


class StudentModule:
    """One student module on its own (a ``StudentProcess`` of its folder)."""

    def __init__(self, path: Path, **limits):
        self.path = Path(path).resolve()
        self._process = StudentProcess(self.path.parent, **limits)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._process.close()

    def call(self, function, args, kwargs=None, seconds=10.0) -> CallResult:
        return self._process.call(self.path.stem, function, args, kwargs, seconds)
