// test/suites.ts splits the tests into a fast and a slow suite: every file is in exactly one, and
// every file it names as slow exists (a renamed file would silently become a unit test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { SLOW_FILES, SLOW_FOLDERS, suiteFiles } from '../suites.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('unit and slow split all test files, with no file in both', () => {
  const unit = suiteFiles('unit', root);
  const slow = suiteFiles('slow', root);
  const all = suiteFiles('all', root);
  assert.deepEqual([...unit, ...slow].sort(), all);
  assert.equal(new Set([...unit, ...slow]).size, all.length);
  assert.ok(unit.includes('test/house/suites.test.ts'));
  assert.ok(slow.includes('test/multiprocess/three-nodes.test.ts'));
});

test('every slow file named exists, and every slow folder holds tests', () => {
  const all = suiteFiles('all', root);
  for (const file of Object.keys(SLOW_FILES)) assert.ok(all.includes(file), `${file} is listed as slow but does not exist`);
  for (const folder of Object.keys(SLOW_FOLDERS)) assert.ok(all.some((f) => f.startsWith(folder)), `${folder} holds no tests`);
});
