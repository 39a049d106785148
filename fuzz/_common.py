"""What every harness shares: atheris when installed, and how to run a harness.

atheris is not a Vigil dependency. Install it beside Vigil to fuzz locally::

    pip install atheris            # or: pip install --target /tmp/atheris-lib atheris
    python fuzz/fuzz_scan_input.py -max_total_time=60 -rss_limit_mb=2048 [CORPUS_DIR]

Without atheris the harnesses still import, so ``tests/test_fuzz_harnesses.py`` runs each
``TestOneInput`` on seed inputs and they cannot rot.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

try:
    import atheris  # type: ignore[import-not-found, import-untyped, unused-ignore]
except ImportError:  # the harness still imports; only fuzzing needs atheris
    atheris = None


def instrumented() -> contextlib.AbstractContextManager[Any]:
    """Instrument the imports inside (coverage for atheris), or do nothing without it."""
    if atheris is None:
        return contextlib.nullcontext()
    return atheris.instrument_imports()  # type: ignore[no-any-return]


def fuzz(test_one_input: Callable[[bytes], None]) -> None:
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris")
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


@contextlib.contextmanager
def expected(*errors: type[BaseException]) -> Iterator[None]:
    """A parser's documented refusals are not findings; anything else escapes to atheris."""
    with contextlib.suppress(*errors):
        yield
