# The grader's pytest hooks: one test per exercise and a score table at the end.
from grader.pytest_plugin import (  # noqa: F401
    kit,
    pytest_addoption,
    pytest_configure,
    pytest_terminal_summary,  # noqa: F401
)
