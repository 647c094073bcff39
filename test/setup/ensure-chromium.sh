#!/usr/bin/env bash
# Runs before `npm test`: the dashboard's browser test drives Debian's Chromium through
# playwright-core (a test tool's own browser download cannot be relied on). Install it where it is
# missing and we may; otherwise say what to do, and let the browser test fail with that reason.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's chromium for the browser test (apt-get)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && exit 0
fi
echo "pretest: /usr/bin/chromium is missing; install Debian's chromium (apt-get install chromium) or the browser test fails." >&2
exit 0
