#!/usr/bin/env bash
# Starts a BIND (named) of its own on 127.0.0.1:<port>, in <dir>, for tests and local runs: one primary zone
# per argument, each taking RFC 2136 updates and transfers signed with a TSIG key (HMAC-SHA256) generated
# here; a zone given as `<zone>:refuse` answers queries but refuses every update. A zone starts with the
# records of `<dir>/<zone>.records` when that file exists (zone-file lines). Installs Debian's bind9
# and bind9-dnsutils with apt-get when missing. The key lives only in <dir> (mode 0600) and on stdout.
# Prints one JSON line: {"server","port","tsigKeyName","tsigSecret","pid"}. Stop it with `kill <pid>`.
# Usage: start-named.sh <dir> <port> <zone>[:refuse]...
set -euo pipefail

dir="$1"; port="$2"; shift 2
[ $# -gt 0 ] || { echo "usage: $0 <dir> <port> <zone>[:refuse]..." >&2; exit 2; }

PATH="$PATH:/usr/sbin:/sbin"
if ! command -v named >/dev/null 2>&1 || ! command -v nsupdate >/dev/null 2>&1 || ! command -v dig >/dev/null 2>&1; then
  echo "bind9 is missing: installing bind9 and bind9-dnsutils with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq bind9 bind9-dnsutils >&2
fi

mkdir -p "$dir"
chmod 700 "$dir"
umask 077
key_name="lifeline-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
tsig-keygen -a hmac-sha256 "$key_name" >"$dir/tsig.key"
secret="$(sed -n 's/.*secret "\(.*\)";.*/\1/p' "$dir/tsig.key")"

zones_conf=""
for arg in "$@"; do
  zone="${arg%%:*}"
  updates="key \"$key_name\";"
  [ "$arg" != "$zone" ] && [ "${arg#*:}" = "refuse" ] && updates="none;"
  cat >"$dir/$zone.db" <<ZONE
\$TTL 300
@   IN SOA localhost. hostmaster.$zone. ( 1 3600 600 86400 60 )
    IN NS  localhost.
ZONE
  if [ -f "$dir/$zone.records" ]; then cat "$dir/$zone.records" >>"$dir/$zone.db"; fi
  zones_conf+="zone \"$zone\" { type primary; file \"$dir/$zone.db\"; allow-update { $updates }; allow-transfer { key \"$key_name\"; }; };"$'\n'
done

# No control channel (rndc) and every file in <dir>: several instances run side by side.
cat >"$dir/named.conf" <<CONF
include "$dir/tsig.key";
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port $port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-query { 127.0.0.1; };
  notify no;
};
controls { };
logging { channel file { file "$dir/named.log"; severity info; print-time yes; }; category default { file; }; };
$zones_conf
CONF

named -c "$dir/named.conf" -n 1 >"$dir/named.out" 2>&1 || { cat "$dir/named.out" "$dir/named.log" >&2 2>/dev/null; exit 1; }
first="${1%%:*}"
for _ in $(seq 1 100); do
  if [ -s "$dir/named.pid" ] && dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 "$first" SOA 2>/dev/null | grep -q .; then
    printf '{"server":"127.0.0.1","port":%s,"tsigKeyName":"%s","tsigSecret":"%s","pid":%s}\n' "$port" "$key_name" "$secret" "$(cat "$dir/named.pid")"
    exit 0
  fi
  sleep 0.1
done
echo "named did not answer on 127.0.0.1:$port; see $dir/named.log" >&2
cat "$dir/named.log" >&2 2>/dev/null || true
exit 1
