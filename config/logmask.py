"""No IIN in any log line: one logging filter masks every 12-digit number, on every handler of the process.

- ``MaskIdentifiers``: the filter. It rewrites a record's message (arguments merged in), its formatted exception
  and its stack so that each run of exactly 12 digits reads ``************``. An IIN reaches logs through URLs
  (``/subjects/<iin>/slip/``, ``?iin=``) that Django's and gunicorn's request lines print, and through messages.
- ``configure``: Django's ``LOGGING_CONFIG``: applies ``LOGGING``, then puts the filter on every handler that any
  logger has (Django's own ``django.server`` and ``mail_admins`` included).
- ``MaskingGunicornLogger``: gunicorn's ``logger_class`` (``config/gunicorn.conf.py``): the same filter on its error
  and access logs.
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
MASK = "*" * 12


def mask(text: str) -> str:
    return TWELVE_DIGITS.sub(MASK, text)


class MaskIdentifiers(logging.Filter):
    """Mask every 12-digit number in the record's final text; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_identifiers_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to the handler, which reports it
            return True
        record.msg, record.args = mask(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        # gunicorn's access lines carry their parts in record.args as a dict too; they are merged above.
        record._identifiers_masked = True
        return True


def mask_every_handler() -> None:
    """Put ``MaskIdentifiers`` on every handler of the root logger and of every logger there is."""
    loggers = [
        logging.getLogger(),
        *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict)),
    ]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, MaskIdentifiers) for f in handler.filters):
                handler.addFilter(MaskIdentifiers())


def configure(logging_settings: dict[str, Any]) -> None:
    """``LOGGING_CONFIG``: ``dictConfig(LOGGING)``, then the mask on every handler."""
    logging.config.dictConfig(logging_settings)
    mask_every_handler()


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is the production server; development and tests run without it
    _GunicornLogger = None

if _GunicornLogger is not None:

    class MaskingGunicornLogger(_GunicornLogger):
        """gunicorn's logger, with the mask on its error and access handlers (and on any others)."""

        def setup(self, cfg):
            super().setup(cfg)
            mask_every_handler()
