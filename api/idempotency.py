"""`Idempotency-Key` for API writes: a retry with the same key and body gets the first answer; nothing is made twice.

    @router.post("/things", response={201: ThingOut, **WRITE_ERRORS})
    def thing_create(request, payload: ThingIn, idempotency_key: IdempotencyKeyHeader = None):
        return idempotent(request, lambda: Status(201, thing_body(thing_create_service(...))))

How: the key's row (account, key, hash of method + path + body) is inserted first, with
INSERT ... ON CONFLICT DO NOTHING, in the same transaction as the write, and the answer is stored in it before
that transaction commits. A concurrent retry's INSERT waits on the unique index until the first commits, then
inserts nothing and reads the stored answer: one write, however many retries race. If the first request
fails unexpectedly its transaction (key row included) rolls back and the retry does the work.

Refusals are stored and replayed too: a client that retries a refused request is told the same thing. A 4xx
that `run` returns keeps what `run` wrote (intake's stored failure of a rejected order); an ApiError that `run`
raises rolls back what it wrote (a savepoint) and stores the error.
The same key with another body (or on another endpoint) is refused with 422 `idempotency_key_reused`.
Keys are kept per account; `IdempotencyKey.created_at` is indexed so old keys can be purged.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated

from django.db import connection, transaction
from ninja import Header
from ninja.responses import NinjaJSONEncoder, Status

from api.errors import ApiError, error_body
from intake.models import IdempotencyKey
from oms.rows import send

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# Declare the header on a write endpoint (documents it and validates its length):
#     def view(request, ..., idempotency_key: IdempotencyKeyHeader = None)
KEY_PATTERN = r"^[ -~]+$"  # printable ASCII
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        None, alias=HEADER, min_length=1, max_length=MAX_KEY_LENGTH, pattern=KEY_PATTERN,
        description="Any unique string (a UUID). A retry with the same key and body returns the first answer "
        "and creates nothing; the same key with another body is refused (422 idempotency_key_reused).",
    ),
]


def request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\n")
    digest.update(request.path.encode())
    digest.update(b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _as_status(result) -> Status:
    if isinstance(result, Status):
        return result
    status, body = result
    return Status(status, body)


def _jsonable(body):
    """What the client receives, as stored JSON: the first answer and its replay are byte-for-byte alike."""
    return json.loads(json.dumps(body, cls=NinjaJSONEncoder))


def _claim(*, account_id: int, key: str, hashed: str) -> bool:
    """Insert the key's row; False when it exists (after waiting for its transaction, if still open)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO intake_idempotencykey (account_id, key, request_hash, created_at)
            VALUES (%s, %s, %s, now())
            ON CONFLICT (account_id, key) DO NOTHING
            RETURNING id
            """,
            [account_id, key, hashed],
        )
        return cursor.fetchone() is not None


def idempotent(request, run: Callable[[], Status | tuple[int, object]]) -> Status:
    """Run the write `run` (returning a Status or (status, body)) at most once per Idempotency-Key.

    Without the header, `run` simply runs. `request.auth` must be the account.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return _as_status(run())
    if not key_valid(key):
        raise ApiError(
            422, "invalid_idempotency_key", f"The Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII "
            "characters.", field=HEADER,
        )
    account = request.auth
    hashed = request_hash(request)
    with transaction.atomic():
        if not _claim(account_id=account.pk, key=key, hashed=hashed):
            stored = IdempotencyKey.objects.filter(account=account, key=key).first()
            if stored is None or stored.request_hash != hashed or stored.status_code is None:
                return Status(422, error_body(
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used for another request; use a new key for a new request.",
                    field=HEADER,
                ))
            request.idempotent_replayed = True
            return Status(stored.status_code, stored.response)
        try:
            with transaction.atomic():
                result = _as_status(run())
        except ApiError as refused:  # raised: what `run` wrote is undone, the refusal is kept
            result = refused.as_status()
        body = _jsonable(result.value)
        IdempotencyKey.objects.filter(account=account, key=key).update(status_code=result.status_code, response=body)
    return Status(result.status_code, body)



def key_valid(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY_LENGTH and re.fullmatch(KEY_PATTERN, key) is not None


def claim_many(*, account_id: int, keys: dict[str, str]) -> set[str]:
    """`_claim` for many keys (key -> request hash) in one statement: the keys this transaction now holds.
    Inserted in key order, so two batches retrying the same keys wait on each other instead of deadlocking."""
    return claim_many_send(account_id=account_id, keys=keys)()


def claim_many_send(*, account_id: int, keys: dict[str, str]) -> Callable[[], set[str]]:
    """`claim_many` sent now (in a pipeline, with what else is sent before the first result is read); call what
    it returns, once, for the keys claimed."""
    if not keys:
        return set
    keys = dict(sorted(keys.items()))
    sent = send(
        """
        INSERT INTO intake_idempotencykey (account_id, key, request_hash, created_at)
        SELECT %s, k, h, now() FROM unnest(%s::text[], %s::text[]) AS t(k, h)
        ON CONFLICT (account_id, key) DO NOTHING
        RETURNING key
        """,
        [account_id, list(keys), list(keys.values())],
    )
    return lambda: {row[0] for row in sent.rows()}


def release_many(*, account_id: int, keys: list[str]) -> None:
    """Give back keys claimed in this transaction whose requests will be answered on their own."""
    if keys:
        with connection.cursor() as cursor:  # reads no row count: it may run in a pipeline (api/group_commit.py)
            cursor.execute(
                f"DELETE FROM {IdempotencyKey._meta.db_table} WHERE account_id = %s AND key = ANY(%s)",
                [account_id, keys],
            )


def store_many(*, account_id: int, answers: dict[str, Status]) -> dict[str, Status]:
    """Keep the answers of claimed keys (one statement); returns them as stored, to be sent as they will be
    replayed."""
    if not answers:
        return {}
    stored = {key: Status(answer.status_code, _jsonable(answer.value)) for key, answer in answers.items()}
    rows = [{"key": key, "code": s.status_code, "body": s.value} for key, s in stored.items()]
    with connection.cursor() as cursor:  # one JSON text: a text[] of JSON bodies is escaped element by element
        cursor.execute(
            """
            UPDATE intake_idempotencykey AS k SET status_code = a.code, response = a.body
              FROM jsonb_to_recordset(%s::jsonb) AS a(key text, code int, body jsonb)
             WHERE k.account_id = %s AND k.key = a.key
            """,
            [json.dumps(rows), account_id],
        )
    return stored
