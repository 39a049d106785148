"""Structured (JSON) application logs that never carry personal data.

Log records name an event and opaque ids only. A filter keeps just the extra fields on an allow
list, so a careless ``extra={"name": ...}`` cannot leak a survivor's name into a log file.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

#: The only extra fields a log record may carry.
ALLOWED_FIELDS = frozenset(
    {
        "event",
        "method",
        "route",
        "status",
        "duration_ms",
        "record_type",
        "record_id",
        "actor_id",
        "count",
        "outcome",
        "component",
    }
)
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class PersonalDataFilter(logging.Filter):
    """Drops extra fields that are not on the allow list."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key in list(record.__dict__):
            if key not in _STANDARD and key not in ALLOWED_FIELDS:
                delattr(record, key)
        return True


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(PersonalDataFilter())
    if json:
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=False)
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("vigil")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
