"""Fail when a secret or key file is committed (run by `make test`).

Looks at every tracked file: key-file names, PEM private keys, and token shapes of common
services. Test fixtures that must look like secrets are listed in ALLOWED.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

SUSPICIOUS_NAMES = re.compile(r"(^|/)(.*\.(key|pem|p12|pfx|jks)|id_(rsa|ed25519|ecdsa)|\.env)$")
SECRET_PATTERNS = {
    "PEM private key": re.compile(rb"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "AWS access key": re.compile(rb"AKIA[0-9A-Z]{16}"),
    "GitHub token": re.compile(rb"gh[pousr]_[A-Za-z0-9]{36}"),
    "Slack token": re.compile(rb"xox[abpr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(rb"AIza[0-9A-Za-z_-]{35}"),
}
#: Files allowed to contain secret-shaped text (this checker's own patterns, test vectors).
ALLOWED = {"scripts/check_secrets.py"}


def tracked_files(root: Path) -> list[str]:
    git = shutil.which("git") or "git"
    out = subprocess.run([git, "ls-files", "-z"], cwd=root, capture_output=True, check=True)
    return [name for name in out.stdout.decode().split("\0") if name]


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    problems = []
    for name in tracked_files(root):
        if name in ALLOWED:
            continue
        if SUSPICIOUS_NAMES.search(name):
            problems.append(f"{name}: looks like a key or secrets file")
        path = root / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        for label, pattern in SECRET_PATTERNS.items():
            if pattern.search(data):
                problems.append(f"{name}: contains a {label}")
    for problem in problems:
        print(f"secret check: {problem}", file=sys.stderr)
    if not problems:
        print("secret check: no secrets or key files are tracked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
