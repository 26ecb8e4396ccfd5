#!/usr/bin/env bash
# Installs Debian's Chromium for the Playwright tests. Never downloads a browser of its own.
set -u
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests (about a minute)..."
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
  reason="apt-get install chromium failed"
else
  reason="not root or no apt-get, so Chromium cannot be installed here"
fi
echo "############################################################"
echo "## BROWSER TESTS WILL BE SKIPPED: $reason."
echo "## Install /usr/bin/chromium and run 'make test' again."
echo "############################################################"
exit 0
