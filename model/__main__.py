"""``python -m model`` and the ``tlrisk`` command: :func:`model.cli.main`, then a quick exit."""

import atexit
import contextlib
import os
import sys

from model.cli import main


def run() -> None:
    """Run the command line and end the process. Once the command has finished, its output is
    flushed and the exit handlers have run, the process ends without taking the interpreter
    apart object by object (a third of a second after a report, a tenth of a short command)."""
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):  # None where the descriptor was closed (``>&-``)
        if stream is None:
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away (``| head``): nothing more to say
            pass
        except OSError as exc:  # a full disk, a device that refuses the rest
            code = code or 1
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.write(f"error: the output could not be written ({exc.strerror or exc})\n")
                sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
