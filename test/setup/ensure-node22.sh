#!/usr/bin/env bash
# Runs before `npm test`: the cross-version determinism test replays the golden vectors and a chain
# under Node 22 as well as the project's Node 24. Node 22 comes from npm (the `node` package) into
# .cache/node22, outside node_modules: as a devDependency alias its `node` binary would take the
# place of Node 24's in node_modules/.bin, and every script would then run on Node 22.
set -u
cd "$(dirname "$0")/../.."
NODE22_VERSION=22.23.3
bin=.cache/node22/node_modules/node/bin/node
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$NODE22_VERSION" ]; then exit 0; fi
echo "pretest: installing Node $NODE22_VERSION from npm into .cache/node22 for the cross-version test..."
mkdir -p .cache/node22
if npm install --prefix .cache/node22 --no-save --no-package-lock --no-audit --no-fund "node@$NODE22_VERSION" >/dev/null; then exit 0; fi
echo "pretest: could not install node@$NODE22_VERSION; the cross-version test will fail saying so." >&2
exit 0
