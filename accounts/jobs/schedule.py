"""When a recurring job runs next: every N minutes, or a five-field cron in the account's timezone."""

from __future__ import annotations

import datetime as dt

from celery.schedules import crontab

MAX_CRON_DAYS = 366 * 5  # "0 0 29 2 *" fires once in four years; give up after five


def parse_cron(expression: str) -> crontab:
    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    return crontab(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week=day_of_week
    )


def next_cron_time(expression: str, *, after: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """The first time strictly after `after` that matches `expression` read in `tz` (UTC result). As in
    Vixie cron, when both day of month and day of week are restricted, either one matching is enough."""
    fields = expression.split()
    spec = parse_cron(expression)
    dom_any, dow_any = fields[2] == "*", fields[4] == "*"
    minutes, hours = sorted(spec.minute), sorted(spec.hour)
    local = after.astimezone(tz)
    start = local.replace(second=0, microsecond=0, tzinfo=None) + dt.timedelta(minutes=1)
    for offset in range(MAX_CRON_DAYS):
        day = start.date() + dt.timedelta(days=offset)
        if day.month not in spec.month_of_year:
            continue
        dom_ok = day.day in spec.day_of_month
        dow_ok = (day.weekday() + 1) % 7 in spec.day_of_week
        if not ((dom_ok or dow_ok) if not (dom_any or dow_any) else (dom_ok and dow_ok)):
            continue
        for hour in hours:
            for minute in minutes:
                naive = dt.datetime.combine(day, dt.time(hour, minute))
                if naive < start:
                    continue
                candidate = naive.replace(tzinfo=tz).astimezone(dt.UTC)
                if candidate > after:
                    return candidate
    return None


def next_interval_time(*, anchor: dt.datetime | None, minutes: int, after: dt.datetime) -> dt.datetime:
    """The first `anchor + k × minutes` strictly after `after` (no anchor: `after + minutes`)."""
    step = dt.timedelta(minutes=minutes)
    if anchor is None:
        return after + step
    if anchor > after:
        return anchor
    return anchor + step * ((after - anchor) // step + 1)


def next_scheduled_run(job, *, after: dt.datetime, anchor: dt.datetime | None = None) -> dt.datetime | None:
    """The job's next due time after `after` by its schedule alone. An interval counts from `anchor` (the due
    time of an on-schedule run, so the cadence does not drift) or, without one, from `after`."""
    if job.interval_minutes:
        return next_interval_time(anchor=anchor, minutes=job.interval_minutes, after=after)
    if job.cron:
        return next_cron_time(job.cron, after=after, tz=job.account.zone)
    return None
