"""``python -m model`` and the ``tlrisk`` command: :func:`model.cli.main`, then a quick exit."""

import atexit
import os
import sys

from model.cli import main


def run() -> None:
    """Run the command line and end the process. Once the command has finished, its output is
    flushed and the exit handlers have run, the process ends without taking the interpreter
    apart object by object (a third of a second after a report, a tenth of a short command)."""
    code = main()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
