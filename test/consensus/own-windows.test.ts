import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ownEvalWindows, randomEvalWindows, contributorPages, type WindowSettings } from '../../consensus/gauntlet/assignment.ts';
import { DEFAULT_GENESIS_PATH, makeGenesis } from '../../chain/genesis.ts';
import { GenesisError, parseGenesis } from '../../chain/genesis-json.ts';
import { toHex } from '../../consensus/hash.ts';
import { evalWindows } from '../../trainer/windows.ts';
import { brownDataset } from '../util/gauntlet-fixtures.ts';

const parent = new Uint8Array(32).fill(7);
const address = new Uint8Array(20).fill(9);
const root = new Uint8Array(32).fill(3);

function settings(own?: number): WindowSettings {
  return {
    contextLength: 64,
    gauntlet: { pagesPerContributor: 4, randomEvalPages: 2, windowsPerPage: 8, ...(own === undefined ? {} : { ownWindowsPerPage: own }) },
  };
}

test('own pages give ownWindowsPerPage windows each, in draw order; random pages keep windowsPerPage', async () => {
  const dataset = await brownDataset();
  const pages = contributorPages(settings(2), dataset, parent, address);
  assert.equal(pages.length, 4);
  const own = ownEvalWindows(settings(2), dataset, parent, address);
  assert.deepEqual(own, pages.flatMap((j) => evalWindows(dataset.trainingPage(j), 64, 2)));
  assert.equal(own.length, 8);
  assert.deepEqual(randomEvalWindows(settings(2), dataset, parent, root), randomEvalWindows(settings(), dataset, parent, root));
  assert.equal(randomEvalWindows(settings(2), dataset, parent, root).length, 16);
});

test('without ownWindowsPerPage an own page gives windowsPerPage windows, as before the field', async () => {
  const dataset = await brownDataset();
  assert.equal(ownEvalWindows(settings(), dataset, parent, address).length, 32);
  assert.deepEqual(ownEvalWindows(settings(), dataset, parent, address), ownEvalWindows(settings(8), dataset, parent, address));
});

test('genesis: ownWindowsPerPage is optional (absent keeps the chain id), at least 1, and part of the chain id when given', async () => {
  const json = JSON.parse(await readFile(DEFAULT_GENESIS_PATH, 'utf8')) as { gauntlet: Record<string, unknown> };
  const without = structuredClone(json);
  delete without.gauntlet['ownWindowsPerPage'];
  const withOne = structuredClone(json);
  withOne.gauntlet['ownWindowsPerPage'] = 1;
  const withTwo = structuredClone(json);
  withTwo.gauntlet['ownWindowsPerPage'] = 2;
  assert.equal(parseGenesis(without).gauntlet.ownWindowsPerPage, undefined);
  assert.equal(parseGenesis(withOne).gauntlet.ownWindowsPerPage, 1);
  const ids = [without, withOne, withTwo].map((j) => toHex(makeGenesis(parseGenesis(j)).hash));
  assert.equal(new Set(ids).size, 3);
  const zero = structuredClone(json);
  zero.gauntlet['ownWindowsPerPage'] = 0;
  assert.throws(() => parseGenesis(zero), (e: unknown) => e instanceof GenesisError && e.field === 'gauntlet.ownWindowsPerPage');
});
