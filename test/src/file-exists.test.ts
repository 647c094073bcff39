import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathExists } from '../../src/file-exists.ts';

test('a file and a folder exist, a missing path does not; a dangling link exists only as itself', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-exists-'));
  try {
    await writeFile(join(dir, 'file'), 'x');
    await symlink(join(dir, 'gone'), join(dir, 'dangling'));
    assert.equal(await pathExists(join(dir, 'file')), true);
    assert.equal(await pathExists(dir), true);
    assert.equal(await pathExists(join(dir, 'missing')), false);
    assert.equal(await pathExists(join(dir, 'dangling')), false);
    assert.equal(await pathExists(join(dir, 'dangling'), { followLinks: false }), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a failure other than "not found" is thrown, not taken for "no"', { skip: process.getuid?.() === 0 ? 'root reads any folder' : false }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-exists-'));
  try {
    await mkdir(join(dir, 'locked'));
    await chmod(join(dir, 'locked'), 0o000);
    await assert.rejects(pathExists(join(dir, 'locked', 'inside')), { code: 'EACCES' });
  } finally {
    await chmod(join(dir, 'locked'), 0o700);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a path through a file is a failure, not a missing path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-exists-'));
  try {
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(pathExists(join(dir, 'file', 'inside')), { code: 'ENOTDIR' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
