"""Logging filters named in settings.LOGGING."""

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A 403 (a role refused a page, a CSRF failure) is one warning line: the traceback says nothing useful."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


# Tasks queued by the hundred (one per channel and SKU): Celery's "received" and "succeeded" lines for them are
# DEBUG, so a worker catching up prints the sweeper's one summary line instead of two lines per SKU.
QUIET_TASKS = {"inventory.tasks.inventory_push_task"}


class QuietTasks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, dict) else {}
        if args.get("name") in QUIET_TASKS and record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("inventory.push").isEnabledFor(logging.DEBUG)
        return True
