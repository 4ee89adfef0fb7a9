"""Where one submission is graded when a class is: a process of its own, which the submission cannot get out of.

A submission is untrusted code (the README's threat model). `command()` is how the gradebook starts the grading of
one submission; the process it starts, before it runs anything of the submission:

- enters new Linux user, mount and network namespaces (`unshare`, no privileges needed where the kernel allows
  unprivileged user namespaces, as Debian's does), where every file system is read-only but a private, empty
  /dev/shm, and the only network is the namespace's own loopback: the submission can change nothing that
  outlives its grading (the checkout, the interpreter, the home folder), and can reach the local cloud, which
  listens on that loopback, but no real account, whatever its environment or code says;
- runs with its home and TMPDIR in that /dev/shm, the local cloud as its target, and no AWS credentials or
  configuration files;
- limits every process it starts to MEMORY_LIMIT of address space, so a cell that hogs memory fails there with a
  MemoryError instead of taking the machine.

The gradebook kills it, with everything it started, when the submission's wall-clock limit passes.

    python -m serverless_workbook.course.sandbox [--hide=FOLDER ...] -- <grading command>
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

MEMORY_LIMIT = 6 * 2**30  # bytes of address space per process: a lab's kernel uses well under 2 GiB of it
# The submission's only writable place, in memory. Not a new /tmp: a checkout (and its interpreter) may live there.
PRIVATE = Path("/dev/shm")
PRIVATE_SIZE = "2g"
# The environment a graded submission sees: the local cloud, and no way to find credentials.
LOCAL_ONLY = {
    "WORKBOOK_TARGET": "local",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_MS_RDONLY, _MS_REMOUNT, _MS_BIND = 1, 32, 4096
_MOUNT_FLAGS = {"nosuid": 2, "nodev": 4, "noexec": 8, "noatime": 1024, "nodiratime": 2048, "relatime": 1 << 21}
_SIOCGIFFLAGS, _SIOCSIFFLAGS, _IFF_UP = 0x8913, 0x8914, 0x1


class SandboxUnavailable(RuntimeError):
    """This machine cannot make the namespaces (no `unshare`, or unprivileged user namespaces are off)."""


def environment(base: dict[str, str]) -> dict[str, str]:
    """`base` without any AWS or workbook target setting, with LOCAL_ONLY instead."""
    kept = {name: value for name, value in base.items() if not name.startswith(("AWS_", "WORKBOOK_TARGET"))}
    return {**kept, **LOCAL_ONLY}


def command(grading: list[str], hidden: list[Path] = ()) -> list[str]:
    """The command that runs `grading` in the sandbox, where each folder `hidden` (the other submissions, the
    reference answers) looks empty."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise SandboxUnavailable("`unshare` (util-linux) is not installed")
    hide = [f"--hide={folder.resolve()}" for folder in hidden]
    return [unshare, "--user", "--map-root-user", "--mount", "--net", "--", sys.executable, "-m", __name__, *hide,
            "--", *grading]


def check() -> None:
    """Raise SandboxUnavailable, saying why, unless this machine can make the sandbox."""
    done = subprocess.run(command(["true"]), capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no message"]
        raise SandboxUnavailable(f"the grading sandbox could not be made here: {lines[-1]}")


def _bytes(text: str | None) -> bytes | None:
    return text.encode() if text is not None else None


def _mount(source: str | None, target: str, kind: str | None, flags: int, options: str | None = None) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(_bytes(source), _bytes(target), _bytes(kind), flags, _bytes(options)) != 0:
        raise SandboxUnavailable(f"mounting {target} failed: {os.strerror(ctypes.get_errno())}")


def _read_only_everywhere(hidden: list[str]) -> None:
    """Every mount read-only (not the kernel's /proc, /sys and /dev), the `hidden` folders empty, then an empty
    private PRIVATE."""
    with open("/proc/self/mountinfo", encoding="utf-8") as mounts:
        points = [(fields[4].encode().decode("unicode_escape"), fields[5].split(","))
                  for fields in (line.split() for line in mounts)]
    for point, options in points:
        if not point.startswith(("/proc", "/sys", "/dev")):
            # A mount's own flags (nosuid, nodev, ...) are locked in a user namespace: kept, with read-only added.
            kept = sum(flag for option, flag in _MOUNT_FLAGS.items() if option in options)
            _mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | kept)
    for folder in hidden:
        _mount("tmpfs", folder, "tmpfs", _MS_RDONLY, "size=4k")
    _mount("tmpfs", str(PRIVATE), "tmpfs", 0, f"size={PRIVATE_SIZE},mode=1777")


def _loopback_up() -> None:
    """The new network namespace's loopback starts down; the kernel and the local cloud talk over it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, _SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | _IFF_UP, b""))


def enter(hidden: list[str]) -> None:
    """In the new namespaces: read-only but PRIVATE, `hidden` empty, the loopback up, memory limited, home and
    temporary files in PRIVATE, the local cloud only."""
    _read_only_everywhere(hidden)
    _loopback_up()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    home, temporary = PRIVATE / "home", PRIVATE / "tmp"
    home.mkdir()
    temporary.mkdir()
    base = {**os.environ, "HOME": str(home), "TMPDIR": str(temporary)}
    os.environ.clear()
    os.environ.update(environment(base))
    os.chdir(home)


def main(argv: list[str]) -> None:
    hidden = [argument.removeprefix("--hide=") for argument in argv if argument.startswith("--hide=")]
    separator, *grading = argv[len(hidden):] or [""]
    if separator != "--" or not grading:
        raise SystemExit("usage: python -m serverless_workbook.course.sandbox [--hide=FOLDER ...] -- <command>")
    enter(hidden)
    os.execvp(grading[0], grading)


if __name__ == "__main__":
    main(sys.argv[1:])
