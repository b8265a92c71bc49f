"""What the PII redaction (privacy/services.py) needs in every organization's schema.

1. A partial index holding only the sales orders whose personal data is still there, by account, channel and
   creation time: each retention rule is one range of it (`channel_id = X AND created_at <= cutoff`), and a
   redacted order leaves the index, so a run never re-reads what earlier runs redacted. It lives here rather
   than in `Order.Meta` because it only serves the redaction; `orders` does not know about it.
2. Two SQL functions that scrub the personal data copied into order events, inside the set-based UPDATE:
   `privacy_redact_text(text, secrets)` replaces each secret (the order's own values, longest first, 3+
   characters) with "[redacted]"; `privacy_redact_json(doc, secrets, pii_keys, container_keys, address_keys)`
   walks a JSON document, replaces the value of every personal key (and of the address keys inside a
   billing/shipping/customer object) with "[redacted]", and scrubs secrets out of every other string.
"""

from django.db import migrations

INDEX = """
CREATE INDEX IF NOT EXISTS privacy_order_pii_due
    ON orders_order (account_id, channel_id, created_at)
    WHERE pii_redacted_at IS NULL AND kind = 'sales';
"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION privacy_redact_text(value text, secrets text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    secret text;
BEGIN
    IF value IS NULL OR value = '' OR secrets IS NULL THEN
        RETURN value;
    END IF;
    FOREACH secret IN ARRAY secrets LOOP
        IF secret IS NOT NULL AND length(secret) >= 3 THEN
            value := replace(value, secret, '[redacted]');
        END IF;
    END LOOP;
    RETURN value;
END
$fn$;

CREATE OR REPLACE FUNCTION privacy_redact_json(
    doc jsonb, secrets text[], pii_keys text[], container_keys text[], address_keys text[],
    in_container boolean DEFAULT false
) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
    k text;
    v jsonb;
    result jsonb;
BEGIN
    CASE jsonb_typeof(doc)
    WHEN 'object' THEN
        result := '{}'::jsonb;
        FOR k, v IN SELECT e.key, e.value FROM jsonb_each(doc) AS e LOOP
            IF (k = ANY(pii_keys) OR (in_container AND k = ANY(address_keys)))
               AND v <> 'null'::jsonb AND v <> '""'::jsonb THEN
                result := result || jsonb_build_object(k, '[redacted]'::text);
            ELSE
                result := result || jsonb_build_object(
                    k, privacy_redact_json(v, secrets, pii_keys, container_keys, address_keys, k = ANY(container_keys))
                );
            END IF;
        END LOOP;
        RETURN result;
    WHEN 'array' THEN
        SELECT coalesce(
            jsonb_agg(privacy_redact_json(t.x, secrets, pii_keys, container_keys, address_keys, in_container)
                      ORDER BY t.n),
            '[]'::jsonb)
        INTO result
        FROM jsonb_array_elements(doc) WITH ORDINALITY AS t(x, n);
        RETURN result;
    WHEN 'string' THEN
        RETURN to_jsonb(privacy_redact_text(doc #>> '{}', secrets));
    ELSE
        RETURN doc;
    END CASE;
END
$fn$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS privacy_redact_json(jsonb, text[], text[], text[], text[], boolean);
DROP FUNCTION IF EXISTS privacy_redact_text(text, text[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_orders_pricing"),
    ]

    operations = [
        migrations.RunSQL(INDEX, "DROP INDEX IF EXISTS privacy_order_pii_due;"),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
    ]
