#!/usr/bin/env bash
# Starts (or installs, on a machine without them) the PostgreSQL and MariaDB
# servers the SQL ledger tests use on 127.0.0.1. Idempotent.
set -u
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v mariadbd >/dev/null 2>&1 && ! [ -x /usr/sbin/mariadbd ]; then
  echo "services: installing postgresql and mariadb-server" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql mariadb-server) >&2 || true
fi
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q; then
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start >&2 || true
  done
fi
if [ -x /usr/sbin/mariadbd ] && ! (mariadb-admin ping -h 127.0.0.1 --silent >/dev/null 2>&1 || mysqladmin ping -h 127.0.0.1 --silent >/dev/null 2>&1); then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >&2 || true
  for _ in $(seq 1 30); do
    (mariadb-admin ping -h 127.0.0.1 --silent >/dev/null 2>&1) && break
    sleep 1
  done
fi
exit 0
