"""Reading and writing files safely: a base helper every stage may import (it imports no stage).

* Writes are atomic: readers see the old file or the new one, never half of either.
* Reads are bounded: no input file is read whole without a size limit, so ``/dev/zero`` or a
  mistaken multi-gigabyte file is refused with a message naming the limit, not read until the
  machine runs out of memory.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from model.errors import InputError

MB = 1024 * 1024

#: Upper bounds on what the tool reads, by kind of file (bytes). The largest real file of each
#: kind is far below its bound: the TIC Form S history (s1_globl.txt) is 3.2 MB, a FRED daily
#: series 0.3 MB, the Ministry of Finance's full intervention record under 1 MB, a scenario
#: or config file a few kB.
LIMITS = {
    "data": 64 * MB,  # a publisher's table (TIC, FRED, the Ministry of Finance, MSPD)
    "config": 1 * MB,  # a TOML settings or scenario file, a curated CSV
    "cache": 256 * MB,  # an entry the tool itself wrote to one of its caches
}


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the file is
    renamed over ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; use the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text with LF line endings."""
    atomic_write_bytes(path, text.encode("utf-8"))


def check_output_file(path: str | Path, option: str = "--out") -> Path:
    """Refuse an output file that cannot be written, before the work that fills it.

    Raises
    ------
    InputError
        The path is a folder.
    OutputError
        Its folder does not exist.
    """
    from model.errors import OutputError

    path = Path(path)
    if path.is_dir():
        raise InputError(f"is a folder; give a file name for {option}", path)
    if not path.parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def write_output_text(path: str | Path, text: str) -> None:
    """Write a user's output file atomically; a failure is one line (:class:`OutputError`)."""
    from model.errors import OutputError

    try:
        atomic_write_text(Path(path), text)
    except OSError as exc:
        raise OutputError(f"cannot write {path} ({exc.strerror or exc})") from None


def read_bytes_limited(path: str | Path, kind: str = "data", limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (default: ``LIMITS[kind]``).

    Raises
    ------
    InputError
        The file is missing, a folder, not a regular file (a device, a pipe), unreadable or
        larger than the limit; the message names the file and the limit.
    """
    path = Path(path)
    limit = LIMITS[kind] if limit is None else limit
    if "\x00" in str(path):  # open() would raise a bare ValueError
        raise InputError("the name holds a null character (\\x00); no file can be named so",
                         str(path).replace("\x00", "\\x00"))
    try:
        # non-blocking: opening a pipe nobody writes to would wait for ever; a pipe or a socket
        # is refused, a device (/dev/zero) is read up to the limit, then refused
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as handle:
            mode = os.fstat(descriptor).st_mode
            if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                raise InputError("is a pipe or a socket, not a file", path)
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path) from None
    except PermissionError:
        raise InputError("cannot read file (permission denied)", path) from None
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", path) from None
    if len(data) > limit:
        raise InputError(f"is larger than {_size(limit)}, the limit for a {kind} file "
                         f"(not a {kind} file?)", path)
    return data


def read_text_limited(path: str | Path, kind: str = "config", limit: int | None = None,
                      encoding: str = "utf-8-sig") -> str:
    """:func:`read_bytes_limited`, decoded (a file that is not text is a one-line error)."""
    data = read_bytes_limited(path, kind, limit)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"is not {encoding.replace('-sig', '').upper()} text (byte {exc.start + 1} cannot be "
                         f"decoded)", path) from None


def _size(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n:,} bytes"


__all__ = ["LIMITS", "atomic_write_bytes", "atomic_write_text", "check_output_file", "read_bytes_limited",
           "read_text_limited", "write_output_text"]
