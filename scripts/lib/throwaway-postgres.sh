# Starts a private, throwaway PostgreSQL server for tests and benchmarks, and stops it on exit.
# Sourced; the caller sets `trap ocpizza_throwaway_pg_stop EXIT` (plus its own cleanup) BEFORE
# calling `ocpizza_throwaway_pg_start`. Afterwards these are exported:
#   OCPIZZA_TEST_PGHOST (socket directory), OCPIZZA_TEST_PGPORT, OCPIZZA_TEST_PGUSER
# PostgreSQL refuses to run as root, so as root the server runs as the unprivileged `postgres`
# user (created by Debian's package) through runuser.

ocpizza_throwaway_pg_start() {
  local bindir
  bindir=$(ocpizza_pg_bindir) || { echo "error: no PostgreSQL server binaries found" >&2; return 1; }
  # A short path under /tmp keeps the socket path under the 107-byte limit and is reachable by
  # the unprivileged server user whatever the checkout's own permissions are.
  OCPIZZA_TEST_PGROOT=$(mktemp -d /tmp/ocpizza-pg.XXXXXX)
  # Set before initdb so that ocpizza_throwaway_pg_stop (the caller's EXIT trap) also cleans up
  # after a failed start.
  OCPIZZA_TEST_PG_BINDIR=$bindir
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    local user=${OCPIZZA_PG_SERVER_USER:-postgres}
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    chown "$user" "$OCPIZZA_TEST_PGROOT"
    run=("$(command -v runuser || echo /usr/sbin/runuser)" -u "$user" --)
    OCPIZZA_TEST_PGUSER=$user
  else
    OCPIZZA_TEST_PGUSER=$(id -un)
  fi
  chmod 0700 "$OCPIZZA_TEST_PGROOT"
  OCPIZZA_TEST_PG_RUN="${run[*]}"
  "${run[@]}" "$bindir/initdb" -D "$OCPIZZA_TEST_PGROOT/data" -U "$OCPIZZA_TEST_PGUSER" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --data-checksums >"$OCPIZZA_TEST_PGROOT/initdb.log" 2>&1 || {
    cat "$OCPIZZA_TEST_PGROOT/initdb.log" >&2
    return 1
  }
  # Tests open many short connections in parallel; durability is irrelevant for a throwaway server.
  "${run[@]}" "$bindir/pg_ctl" -D "$OCPIZZA_TEST_PGROOT/data" -l "$OCPIZZA_TEST_PGROOT/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $OCPIZZA_TEST_PGROOT -c max_connections=1000 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || {
    cat "$OCPIZZA_TEST_PGROOT/server.log" >&2
    return 1
  }
  OCPIZZA_TEST_PGHOST=$OCPIZZA_TEST_PGROOT
  OCPIZZA_TEST_PGPORT=5432
  export OCPIZZA_TEST_PGHOST OCPIZZA_TEST_PGPORT OCPIZZA_TEST_PGUSER OCPIZZA_TEST_PGROOT
}

ocpizza_throwaway_pg_stop() {
  [ -n "${OCPIZZA_TEST_PGROOT:-}" ] && [ -d "$OCPIZZA_TEST_PGROOT" ] || return 0
  # shellcheck disable=SC2086
  $OCPIZZA_TEST_PG_RUN "$OCPIZZA_TEST_PG_BINDIR/pg_ctl" -D "$OCPIZZA_TEST_PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$OCPIZZA_TEST_PGROOT"
  OCPIZZA_TEST_PGROOT=
}
