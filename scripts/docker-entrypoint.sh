#!/bin/sh
# Entry point of the app image: runs the command with SECRET_KEY set. Without SECRET_KEY in the environment,
# the key is read from SECRET_KEY_FILE (default /var/lib/oms/secret_key, a volume every app container shares),
# which the first container to start creates with a new random key. The key never appears in a log.
set -eu

if [ -z "${SECRET_KEY:-}" ]; then
    key_file="${SECRET_KEY_FILE:-/var/lib/oms/secret_key}"
    if [ ! -s "$key_file" ]; then
        umask 077
        fresh="$key_file.new.$$"
        python -c 'import secrets; print(secrets.token_urlsafe(50))' > "$fresh"
        # ln is atomic and refuses to replace: if two containers start at once, one key wins for both.
        ln "$fresh" "$key_file" 2>/dev/null || true
        rm -f "$fresh"
        echo "docker-entrypoint: generated a new SECRET_KEY in $key_file" >&2
    fi
    SECRET_KEY="$(cat "$key_file")"
    export SECRET_KEY
fi

exec "$@"
