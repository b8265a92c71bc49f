"""The recurring jobs runtime: what runs an account's RecurringJob rows, when, and only once at a time.

Design
------
* **One beat entry** ("recurring-jobs-dispatch" in CELERY_BEAT_SCHEDULE, every `JOBS_DISPATCH_SECONDS`, 60 in
  production) queues `recurring_jobs_dispatch_task` in the *public* schema (explicit `_schema_name: public`
  header). The dispatcher (`services.recurring_jobs_dispatch`) walks every active organization: inside its
  schema it picks the due jobs (`is_enabled AND next_run_at <= now`, lease free, not queued in the last
  `JOBS_REQUEUE_SECONDS`) with `SELECT … FOR UPDATE SKIP LOCKED`, stamps `dispatched_at`, and after commit
  queues one `recurring_job_run_task(job_id)` per job *inside that tenant* (tenant-schemas-celery header), so
  the run happens in the organization's schema. The job row is the outbox: a message lost before a worker
  took it is queued again once `dispatched_at` is older than the requeue window.
* **The lease is the lock.** The run task claims the job with one atomic
  `UPDATE recurring_job SET lease_token = <uuid>, lease_expires_at = now + JOBS_LEASE_SECONDS
  WHERE id = … AND (lease_expires_at IS NULL OR lease_expires_at <= now) AND is_enabled AND next_run_at <= now`;
  a second delivery, a second worker or a second dispatcher finds no row to claim and does nothing. Long
  runners renew the lease (`RunContext.heartbeat`, e.g. after each redaction batch). A worker that crashes
  leaves its lease to expire: the job is still due, the dispatcher queues it again and the next claim marks the
  crashed run "abandoned" in the history. The finishing write checks the token, so a worker whose lease was
  taken over cannot overwrite the newer run's state.
* **Runs and history.** Every claimed run writes a RecurringJobRun row (status running → succeeded / skipped /
  failed, message, log lines, result, duration) and the job's last_run_at / last_status / last_duration_ms /
  last_message. Jobs of a disabled account, or whose channel is deleted or inactive, are claimed and
  recorded as *skipped* with the reason. Import orders goes through intake (intake/importing.py), Import products
  upserts the master product channel's catalogue, Sync inventory sends a stock snapshot; a channel without a
  connection is *skipped* with that reason. Sync shipments says "skipped: no connector for <channel> yet".
  "Redact personal data" runs the real redaction for its account (privacy/services.py).
* **Failures are retried** through the schedule, not by Celery: a failed run sets `failures += 1` and
  `next_run_at = now + 1, 4, 16 min`; after `MAX_RETRIES` it gives up until the next scheduled time. The
  history shows each attempt. (Celery-level retries only cover the database being unreachable.)
* **Schedules**: every N minutes (anchored to the previous due time, missed runs are not replayed) or a
  five-field cron evaluated in the account's timezone. Times are stored in UTC.
* **Run now** queues the run task with trigger "manual" after commit; it runs even if the job is disabled or
  not due, but never alongside a running one, and does not move the schedule unless the job was due.
"""
