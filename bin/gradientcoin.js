#!/usr/bin/env node
// The `gradientcoin` command. The sources are TypeScript run by Node's own type stripping, which
// needs Node 22.6 or newer; the project pins Node 24 (npm scripts and npx put it on the PATH).
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `gradientcoin needs Node 22 or newer, this is Node ${process.versions.node}.\n` +
      'Run it through the project so its pinned Node 24 is used: `npm run gc -- ...` in the repository.\n',
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
