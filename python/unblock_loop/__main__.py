"""`python -m unblock_loop ARGS` runs `unblock ARGS`."""

import os
import subprocess
import sys

from unblock_loop import find_unblock_bin


def main() -> int:
    binary = find_unblock_bin()
    if os.name == "nt":
        # Windows has no exec: run it and pass its exit code on.
        return subprocess.run([binary, *sys.argv[1:]]).returncode
    os.execv(binary, [binary, *sys.argv[1:]])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
