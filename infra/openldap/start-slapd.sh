#!/usr/bin/env bash
# Starts an OpenLDAP (slapd) of its own on 127.0.0.1:<port>, in <dir>, for tests and local runs: a cn=config
# built here with slapadd (the core, cosine, nis, inetorgperson and duaconf schemas, one mdb database for
# <baseDn>), the base entry, and an administrator whose password is generated here. Installs Debian's slapd
# and ldap-utils with apt-get when missing (preseeded to leave the system's own directory unconfigured).
# The password lives only on stdout. Prints one JSON line: {"url","bindDn","password","baseDn","pid"}.
# Stop it with `kill <pid>`.
# Usage: start-slapd.sh <dir> <port> <baseDn, e.g. dc=example,dc=com>
set -euo pipefail

dir="$1"; port="$2"; base="$3"

PATH="$PATH:/usr/sbin:/sbin"
if ! command -v slapd >/dev/null 2>&1 || ! command -v slapadd >/dev/null 2>&1 || ! command -v ldapsearch >/dev/null 2>&1; then
  echo "slapd is missing: installing slapd and ldap-utils with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  echo "slapd slapd/no_configuration boolean true" | $sudo_cmd debconf-set-selections
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq slapd ldap-utils >&2
fi

mkdir -p "$dir/config" "$dir/data"
chmod 700 "$dir"
umask 077
password="$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$password" >"$dir/.password"
hash="$(slappasswd -T "$dir/.password")"
rm -f "$dir/.password"
admin="cn=admin,$base"
first_rdn="${base%%,*}"

cat >"$dir/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $dir/slapd.pid
olcArgsFile: $dir/slapd.args

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file:///etc/ldap/schema/duaconf.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcDbDirectory: $dir/data
olcSuffix: $base
olcRootDN: $admin
olcRootPW: $hash
olcDbIndex: objectClass eq
olcAccess: {0}to * by dn.exact="$admin" write by * none
LDIF

cat >"$dir/base.ldif" <<LDIF
dn: $base
objectClass: dcObject
objectClass: organization
${first_rdn%%=*}: ${first_rdn#*=}
o: Lifeline
LDIF

slapadd -n 0 -F "$dir/config" -l "$dir/config.ldif" >"$dir/slapadd.log" 2>&1 || { cat "$dir/slapadd.log" >&2; exit 1; }
slapadd -n 1 -F "$dir/config" -l "$dir/base.ldif" >>"$dir/slapadd.log" 2>&1 || { cat "$dir/slapadd.log" >&2; exit 1; }

url="ldap://127.0.0.1:$port"
slapd -h "$url/" -F "$dir/config" >"$dir/slapd.out" 2>&1 || { cat "$dir/slapd.out" >&2; exit 1; }
for _ in $(seq 1 100); do
  if [ -s "$dir/slapd.pid" ] && ldapsearch -x -H "$url" -b "" -s base -o nettimeout=1 namingContexts >/dev/null 2>&1; then
    printf '{"url":"%s","bindDn":"%s","password":"%s","baseDn":"%s","pid":%s}\n' "$url" "$admin" "$password" "$base" "$(cat "$dir/slapd.pid")"
    exit 0
  fi
  sleep 0.1
done
echo "slapd did not answer on $url; see $dir/slapd.out" >&2
exit 1
