# Installs what building and running ocpizza needs on Debian/Ubuntu, when it is missing.
# Sourced by scripts/demo, scripts/test and scripts/bench-*. Idempotent and quiet when all is there.
#
# Needed: the Swift toolchain (not installable from apt: see README), pkg-config, the libpq,
# libxml2 and libcrypto headers, qpdf, and a PostgreSQL server with its client tools (initdb, pg_ctl, psql, pg_dump).

ocpizza_missing_packages() {
  local missing=()
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
  pkg-config --exists libxml-2.0 2>/dev/null || missing+=(libxml2-dev)
  pkg-config --exists libcrypto 2>/dev/null || missing+=(libssl-dev)
  # qpdf extracts the CII XML from Factur-X / ZUGFeRD PDFs (import-supplier).
  command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
  # Headless Chromium renders the reports in the test suite (scripts/test asks for it).
  # A font too: without one Chromium renders every text as nothing.
  if [ -n "${OCPIZZA_NEED_CHROMIUM:-}" ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
  fi
  if ! ocpizza_pg_bindir >/dev/null 2>&1; then missing+=(postgresql postgresql-contrib); fi
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  # runuser (in /usr/sbin, off a normal user's PATH) is only needed as root: the server then
  # runs as an unprivileged account.
  if [ "$(id -u)" -eq 0 ] && ! command -v runuser >/dev/null 2>&1 && [ ! -x /usr/sbin/runuser ] && [ ! -x /sbin/runuser ]; then
    missing+=(util-linux)
  fi
  echo "${missing[@]}"
}

# The bin directory of the newest installed PostgreSQL server (initdb, pg_ctl, postgres).
ocpizza_pg_bindir() {
  if [ -n "${OCPIZZA_PG_BINDIR:-}" ] && [ -x "$OCPIZZA_PG_BINDIR/initdb" ]; then echo "$OCPIZZA_PG_BINDIR"; return 0; fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

ocpizza_ensure_deps() {
  # Toolchains unpacked from swift.org tarballs are often not on a non-login shell's PATH.
  if ! command -v swift >/dev/null 2>&1; then
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
      [ -x "$dir/swift" ] && export PATH="$dir:$PATH" && break
    done
  fi
  if ! command -v swift >/dev/null 2>&1; then
    echo "error: the Swift 6 toolchain is not on PATH (see README: Swift 6.2 or later)." >&2
    return 1
  fi
  local missing
  missing=$(ocpizza_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing missing packages: $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || { echo "error: apt-get update failed" >&2; return 1; }
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2 || {
      echo "error: apt-get install $missing failed" >&2
      return 1
    }
    # Debian's postgresql package creates and starts a system cluster; ocpizza never uses it.
  else
    echo "error: missing packages: $missing" >&2
    echo "       install them with: sudo apt-get install $missing" >&2
    return 1
  fi
}
