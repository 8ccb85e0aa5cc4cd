"""Run a plugin's console script in its own process, fast: fork, then call the entry point.

A fresh interpreter per case spends ~0.7 s of CPU importing singer-sdk, requests and the plugin
before it reads a byte of input; over 60 cases on two shared cores that alone is over a minute.
A forked child of the test process already has them imported, and then does what the console
script does: `sys.argv` set, stdin/stdout/stderr on the process's own file descriptors,
logging unconfigured until the entry point is looked up from the package's `console_scripts`, exit code from
SystemExit, an uncaught exception through `sys.excepthook` (a traceback on stderr, as the
interpreter would print it). `exec_cli` runs the installed executable itself, for the cases
that prove the two ways agree.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

BIN = Path(sys.executable).parent


@dataclass
class CliResult:
    code: int
    stdout: bytes
    stderr: bytes


def console_script(name: str) -> Callable[[], object]:
    """The function `name` runs (pyproject's [project.scripts])."""
    (entry,) = entry_points(group="console_scripts", name=name)
    return entry.load()


class ForkedCli:
    """One forked run of a console script; `wait()` gives its result."""

    def __init__(self, name: str, args: list[str], stdin: bytes, cwd: Path) -> None:
        self.cwd = cwd
        (cwd / ".stdin").write_bytes(stdin)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            _child(name, args, cwd)

    def wait(self) -> CliResult:
        _, status = os.waitpid(self.pid, 0)
        out, err = self.cwd / ".stdout", self.cwd / ".stderr"
        result = CliResult(os.waitstatus_to_exitcode(status), out.read_bytes(), err.read_bytes())
        for path in (self.cwd / ".stdin", out, err):
            path.unlink()
        return result


def _child(name: str, args: list[str], cwd: Path) -> None:
    code = 1
    try:
        os.chdir(cwd)
        for fd, file, flags in (
            (0, ".stdin", os.O_RDONLY),
            (1, ".stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, ".stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            opened = os.open(file, flags, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
        sys.argv = [str(BIN / name), *args]
        sys.excepthook = sys.__excepthook__
        try:
            # singer-sdk's `cli` sets up console logging when it is looked up: do it here
            console_script(name)()
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except BaseException:
            sys.excepthook(*sys.exc_info())
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def exec_cli(name: str, args: list[str], stdin: bytes, cwd: Path) -> subprocess.Popen[bytes]:
    """The installed executable itself, started now; `.communicate()` collects it."""
    process = subprocess.Popen(
        [str(BIN / name), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    process.stdin_bytes = stdin  # type: ignore[attr-defined]
    return process
