"""The ``vigil`` console script. ``vigil scan`` runs scripted over big files, often, so it
starts without importing every other command (their libraries take longer to import than a
100,000-post scan takes to run); everything else goes to the full app in ``cli/main.py``."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["scan"]:
        from vigil.cli.scan import main_alone

        main_alone()
        return
    from vigil.cli.main import main as full

    full()
