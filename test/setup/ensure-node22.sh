#!/usr/bin/env bash
# Runs before `npm test`: the cross-version determinism test (test/gauntlet/cross-version.test.ts)
# runs the golden vectors and a chain replay under Node 22 as well as the project's Node 24. Node 22
# comes from npm, from its own small package in test/setup/node22 (a root devDependency would put a
# second `node` into node_modules/.bin, and which of the two npm links there is not defined).
set -u
cd "$(dirname "$0")/node22" || exit 1
[ -x node_modules/node/bin/node ] && exit 0
echo "pretest: installing Node 22 from npm for the cross-version test (npm ci in test/setup/node22)..."
npm ci --no-audit --no-fund --loglevel=error >/dev/null && [ -x node_modules/node/bin/node ] && exit 0
echo "pretest: Node 22 could not be installed; run \`npm ci --prefix test/setup/node22\`, or the cross-version test fails." >&2
exit 0
