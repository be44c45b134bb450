"""nbgrader courses built from the kit (the command line hooks in here)."""


def add_commands(commands) -> None:
    """Add ``python -m grader nbgrader ...`` to the command line (not yet built)."""
