// A docs page whose table lists the files of a folder lists every one of them: a file added
// without its row fails here, and so does a row for a file that is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, posix } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface FolderTable {
  /** The pages whose tables, together, list the folder's files. */
  readonly pages: readonly string[];
  /** The folder's .ts files, as a glob from the repository root. */
  readonly files: string;
  /** Names in the table are relative to this folder ('' when they are written from the root). */
  readonly base: string;
  /** Only the tables under this `## ` heading of the page (default: the tables under no other table's heading). */
  readonly section?: string;
}

const TABLES: readonly FolderTable[] = [
  { pages: ['docs/network.md'], files: 'src/p2p/**/*.ts', base: 'src/p2p' },
  { pages: ['docs/training-engine.md'], files: 'trainer/engine/*.ts', base: 'trainer/engine' },
  { pages: ['docs/training-engine.md'], files: 'trainer/fast/*.ts', base: 'trainer/fast', section: 'The fast engine' },
  { pages: ['docs/data-and-codec.md', 'docs/model.md'], files: 'trainer/{*,io/*}.ts', base: '' },
  { pages: ['docs/dashboard.md'], files: 'src/dashboard/*.ts', base: '' },
];

/** Every `name.ts` in the first column of the page's tables, as a path from the root (globs like codec*.ts expanded). */
function namesInTables(page: string, base: string, section: string | undefined): Set<string> {
  const names = new Set<string>();
  const claimed = new Set(TABLES.flatMap((t) => (t.pages.includes(page) && t.section !== undefined ? [t.section] : [])));
  let heading = '';
  for (const line of readFileSync(join(root, page), 'utf8').split('\n')) {
    if (line.startsWith('## ')) heading = line.slice(3).trim();
    if (section === undefined ? claimed.has(heading) : heading !== section) continue;
    if (!line.startsWith('|')) continue;
    const firstColumn = line.split('|')[1] ?? '';
    for (const [, name] of firstColumn.matchAll(/`([\w./*-]+\.ts)`/g)) {
      const path = posix.join(base, name!);
      for (const file of path.includes('*') ? globSync(path, { cwd: root }) : [path]) names.add(file.split('\\').join('/'));
    }
  }
  return names;
}

for (const table of TABLES) {
  test(`${table.pages.join(' and ')} list every file of ${table.files}, and no other`, () => {
    const listed = new Set(table.pages.flatMap((page) => [...namesInTables(page, table.base, table.section)]));
    const files = globSync(table.files, { cwd: root }).map((f) => f.split('\\').join('/')).sort();
    assert.ok(files.length > 3, `${table.files} matched only ${files.length} files`);
    assert.deepEqual(files.filter((f) => !listed.has(f)), [], 'files without a row');
    const folder = table.files.slice(0, table.files.search(/[*{]/)).replace(/\/$/, '');
    assert.deepEqual([...listed].filter((f) => f.startsWith(`${folder}/`) && !files.includes(f)).sort(), [], 'rows for files that do not exist');
  });
}
