# The grader's pytest hooks: one test per exercise and a score table at the end.
from grader.pytest_plugin import kit, pytest_addoption, pytest_configure  # noqa: F401
from grader.pytest_plugin import pytest_terminal_summary  # noqa: F401
