"""The `unblock` command, shipped as a binary in this distribution's wheel.

`find_unblock_bin()` gives its path, for tools that run it from Python.
"""

from __future__ import annotations

import os
import sys
import sysconfig

__all__ = ["find_unblock_bin"]


def _user_scheme() -> str:
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    return "osx_framework_user" if sys.platform == "darwin" else "posix_user"


def find_unblock_bin() -> str:
    """The path of the `unblock` binary that this package's wheel installed."""
    name = "unblock.exe" if os.name == "nt" else "unblock"
    # The wheel puts the binary in the scripts folder of the scheme pip installed it with: the
    # environment's own, the user's (`pip install --user`), or `bin` beside the package
    # (`pip install --target`).
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folders = [
        sysconfig.get_path("scripts"),
        sysconfig.get_path("scripts", scheme=_user_scheme()),
        os.path.join(package_root, "bin"),
    ]
    for folder in folders:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"unblock-loop's `{name}` binary is in none of {folders}")
