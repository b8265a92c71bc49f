"""When a job runs next."""

import datetime as dt
import zoneinfo

from accounts.jobs.schedule import next_cron_time, next_interval_time

UTC = dt.UTC


def at(*args, tz=UTC):
    return dt.datetime(*args, tzinfo=tz)


def test_intervals_keep_their_cadence_and_skip_missed_runs():
    anchor = at(2026, 1, 1, 10, 0)
    assert next_interval_time(anchor=anchor, minutes=15, after=at(2026, 1, 1, 10, 0, 3)) == at(2026, 1, 1, 10, 15)
    # The worker was down for an hour: the next run is the next slot, not four catch-up runs.
    assert next_interval_time(anchor=anchor, minutes=15, after=at(2026, 1, 1, 11, 7)) == at(2026, 1, 1, 11, 15)
    assert next_interval_time(anchor=None, minutes=15, after=at(2026, 1, 1, 11, 7)) == at(2026, 1, 1, 11, 22)


def test_cron_is_read_in_the_accounts_timezone():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    # 02:00 in Berlin is 01:00 UTC in winter and 00:00 UTC in summer.
    assert next_cron_time("0 2 * * *", after=at(2026, 1, 10, 12, 0), tz=berlin) == at(2026, 1, 11, 1, 0)
    assert next_cron_time("0 2 * * *", after=at(2026, 7, 10, 12, 0), tz=berlin) == at(2026, 7, 11, 0, 0)
    assert next_cron_time("*/20 * * * *", after=at(2026, 1, 10, 12, 0), tz=UTC) == at(2026, 1, 10, 12, 20)


def test_cron_day_of_month_or_day_of_week_as_in_cron():
    # 2026-03-01 is a Sunday. "0 9 13 * 5": the 13th or any Friday.
    assert next_cron_time("0 9 13 * 5", after=at(2026, 3, 1, 0, 0), tz=UTC) == at(2026, 3, 6, 9, 0)
    assert next_cron_time("0 9 * * 1-5", after=at(2026, 3, 1, 0, 0), tz=UTC) == at(2026, 3, 2, 9, 0)
    assert next_cron_time("30 6 1 */3 *", after=at(2026, 3, 1, 0, 0), tz=UTC) == at(2026, 4, 1, 6, 30)
