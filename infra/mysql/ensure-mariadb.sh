#!/usr/bin/env bash
# Starts a local MariaDB on 127.0.0.1 for tests and CI, unless MYSQL_URL points at an existing server.
# Installs Debian's mariadb-server when missing. Idempotent: a running instance is reused.
# Prints the MYSQL_URL to use on its last line.
set -euo pipefail

if [ -n "${MYSQL_URL:-}" ]; then
  echo "$MYSQL_URL"
  exit 0
fi

port="${LIFELINE_MARIADB_PORT:-3307}"
data_root="${LIFELINE_CACHE_DIR:-$HOME/.cache/lifeline}/mariadb"
datadir="$data_root/data"
sock="$data_root/mariadb.sock"
pidfile="$data_root/mariadb.pid"
log="$data_root/mariadb.log"
url="mysql://lifeline:lifeline@127.0.0.1:${port}/lifeline"

if ! command -v mariadbd >/dev/null 2>&1; then
  echo "mariadb-server is missing: installing it with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq mariadb-server >&2
fi

answers() { mariadb --protocol=TCP -h 127.0.0.1 -P "$port" -u lifeline -plifeline -e 'SELECT 1' lifeline >/dev/null 2>&1; }

if answers; then
  echo "$url"
  exit 0
fi

mkdir -p "$data_root"
if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --user="$(id -un)" --datadir="$datadir" --auth-root-authentication-method=socket >"$data_root/install.log" 2>&1
fi

# A stale pid file from a killed run would make mariadbd refuse to start.
if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi

if [ ! -f "$pidfile" ]; then
  nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$datadir" --socket="$sock" --pid-file="$pidfile" \
    --bind-address=127.0.0.1 --port="$port" --skip-name-resolve --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --max-connections=500 --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=2 --log-error="$log" >/dev/null 2>&1 &
fi

for _ in $(seq 1 120); do
  if mariadb --socket="$sock" -u root -e 'SELECT 1' >/dev/null 2>&1; then break; fi
  sleep 0.5
done
mariadb --socket="$sock" -u root <<SQL
CREATE DATABASE IF NOT EXISTS lifeline CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'lifeline'@'127.0.0.1' IDENTIFIED BY 'lifeline';
CREATE USER IF NOT EXISTS 'lifeline'@'localhost' IDENTIFIED BY 'lifeline';
GRANT ALL PRIVILEGES ON *.* TO 'lifeline'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'lifeline'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL

answers || { echo "MariaDB did not answer on 127.0.0.1:$port; see $log" >&2; exit 1; }
echo "$url"
