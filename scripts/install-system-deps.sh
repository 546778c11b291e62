#!/usr/bin/env bash
# Installs the Debian packages the native builds and the test suites need on a fresh machine,
# only those missing (idempotent):
#   openssh-server  the SFTP integration tests start a real sshd on loopback
#   python3         node-gyp runs on it; the quotes differential tests use its csv module as oracle
#   build-essential make, a C and a C++ compiler and the libc headers: node-gyp builds
#                   native/sha256_batch.c and ssh2's binding.cc (C++) with them
#   pigz            the format benchmark (bench/formats.bench.mjs) compares our gzip parts with it
#   postgresql      the reconciliation tests read a profile table with COPY from a real server on
#                   loopback (test/helpers/postgres.ts); the package starts no server here
# A machine without apt-get gets one line naming what is missing; the install and the tests then
# say which native piece or suite could not be had.
set -euo pipefail

compiles() { # <compiler> <language> <program>: a compiler that is there but cannot build is missing
  command -v "$1" >/dev/null 2>&1 && printf '%s\n' "$3" | "$1" -x "$2" - -o /dev/null >/dev/null 2>&1
}

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server openssh-client)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if ! command -v make >/dev/null 2>&1 \
  || ! compiles cc c '#include <stdio.h>
int main(void) { return 0; }' \
  || ! compiles c++ c++ '#include <cstdio>
int main() { return 0; }'; then
  need+=(build-essential)
fi
command -v pigz >/dev/null 2>&1 || need+=(pigz)
# Debian puts the server's programs under /usr/lib/postgresql/<major>/bin, not on PATH.
pg_lib="${POSTGRES_LIB_DIR:-/usr/lib/postgresql}"
compgen -G "$pg_lib/*/bin/initdb" >/dev/null || need+=(postgresql)

if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  if ! command -v apt-get >/dev/null 2>&1 || { [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; }; then
    echo "install-system-deps: cannot install ${need[*]} (needs apt-get, as root or with sudo); install them by hand" >&2
  else
    echo "install-system-deps: installing ${need[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
# sshd running as root refuses to start without its privilege-separation directory.
if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd && chmod 0755 /run/sshd; fi
