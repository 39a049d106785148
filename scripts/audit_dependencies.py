"""pip-audit over the locked dependencies, or a clear skip when no advisory source answers.

CI machines reach the package index but not always an advisory database; an audit that could
check nothing is reported as skipped instead of passing silently or failing the build.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements" / "constraints.txt"


def main() -> int:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            str(LOCK),
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--timeout",
            "20",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(
            "dependency audit: SKIPPED — pip-audit could not reach a vulnerability database "
            f"({result.stderr.strip().splitlines()[-1] if result.stderr.strip() else 'no output'})"
        )
        return 0
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        print(
            f"dependency audit: SKIPPED — the advisory service answered for none of the "
            f"{len(deps)} locked packages (offline?)"
        )
        return 0
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"dependency audit: {dep['name']} {dep['version']}: {ids}", file=sys.stderr)
    print(
        f"dependency audit: {len(audited)} of {len(deps)} packages checked, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
