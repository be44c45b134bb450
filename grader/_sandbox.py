"""Filesystem confinement of the student's process with Linux Landlock.

After ``confine`` the process (and anything it starts) can read only the
Python installation, system libraries and the student's own folder, and can
write only its scratch folder: ``solutions/``, the reference cache, other
students' submissions and the grader's folders are out of reach. From Landlock
ABI 6 (Linux 6.12) it also cannot signal, trace or read ``/proc`` of any
process outside its sandbox, so it cannot kill the grader or another student. Landlock
needs no privileges; where the kernel lacks it (Linux before 5.13, or another
system) ``confine`` returns False and the code runs unconfined, protected only
by the process boundary and the resource limits.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import struct
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # x86-64 and arm64
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1, 2, 4, 8
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | (1 << 14) | (1 << 15)
_READ = _EXECUTE | _READ_FILE | _READ_DIR
# Every right that ABI versions 1, 2, 3 and 5 know, by version.
_HANDLED = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
# From ABI 6: no signals and no abstract Unix sockets out of the sandbox.
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2
# /proc/self resolves to the child's own entry when ``confine`` runs: other
# processes' entries (the grader's environment, say) stay unreadable.
SYSTEM_READ = (
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/etc",
    "/sys",
    "/opt",
    "/proc/self",
    "/proc/cpuinfo",
    "/proc/meminfo",
    "/proc/stat",
)


def confine(read: list[str], write: list[str]) -> bool:
    """Allow reading below ``read`` and writing below ``write``, nothing else."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return False
    handled = _HANDLED[max(v for v in _HANDLED if v <= abi)]
    if abi >= 6:
        scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
        packed = struct.pack("<QQQ", handled, 0, scoped)
    else:
        packed = struct.pack("<Q", handled)
    attr = ctypes.create_string_buffer(packed)
    ruleset = libc.syscall(
        _CREATE_RULESET, attr, ctypes.c_size_t(len(packed)), ctypes.c_uint32(0)
    )
    if ruleset < 0:
        return False
    try:
        for path in read:
            _allow(libc, ruleset, path, _READ)
        for path in write + ["/dev"]:
            _allow(libc, ruleset, path, handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return (
            libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
        )
    finally:
        os.close(ruleset)


def _allow(libc, ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("<Qi", rights, fd))
        libc.syscall(
            _ADD_RULE,
            ctypes.c_int(ruleset),
            ctypes.c_int(_RULE_PATH_BENEATH),
            rule,
            ctypes.c_uint32(0),
        )
    finally:
        os.close(fd)


def python_paths() -> list[str]:
    """Where this interpreter and its packages live (read access needed)."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(sys.executable),
    }
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    # A checkout of the kit on sys.path (an unusual install) would expose
    # solutions/: never grant a folder that holds one.
    return sorted(p for p in paths if not os.path.isdir(os.path.join(p, "solutions")))


# Frameworks that compute the answers for you: the exercises are NumPy work.
BLOCKED_IMPORTS = ("tensorflow", "keras", "tf_keras", "torch", "jax", "autograd")


class _Refuse:
    """A meta-path finder that refuses the frameworks the grader checks against."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED_IMPORTS:
            raise ImportError(
                f"importing {name} is not allowed here: the exercises are to be "
                "solved with NumPy (the grader uses these libraries as references)"
            )
        return None


def refuse_frameworks() -> None:
    """Make ``import tensorflow`` (and the like) fail in this process."""
    for name in list(sys.modules):
        if name.split(".")[0] in BLOCKED_IMPORTS:
            del sys.modules[name]
    sys.meta_path.insert(0, _Refuse())


def forbid(dotted: str, exercise: str, folder: str) -> None:
    """Make ``dotted`` (a function, class or method) refuse calls from ``folder``.

    Calls from anywhere else (the library's own code) go through unchanged.
    """
    owner, attribute = _owner(dotted)
    original = getattr(owner, attribute)
    message = f"{attribute} is not allowed in {exercise}: work the answer out by hand"
    folder = os.path.abspath(folder)

    def guarded(*args, **kwargs):
        caller = os.path.abspath(sys._getframe(1).f_code.co_filename)
        if os.path.dirname(caller) == folder:
            raise PermissionError(message)
        return original(*args, **kwargs)

    setattr(owner, attribute, guarded)


def _owner(dotted):
    """The object holding the last name of ``dotted``: a module or a class."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1]
    raise ImportError(f"cannot find {dotted}")
