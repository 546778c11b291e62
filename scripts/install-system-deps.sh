#!/usr/bin/env bash
# Installs the Debian packages the test suites need on a fresh machine (idempotent).
# openssh-server: the SFTP integration tests start a real sshd on loopback.
set -euo pipefail
if ! command -v /usr/sbin/sshd >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null
fi
# sshd running as root refuses to start without its privilege-separation directory.
if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd && chmod 0755 /run/sshd; fi
