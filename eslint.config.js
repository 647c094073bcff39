// Lint rules: typescript-eslint's strict set on every source folder; `any` is an error. The layer
// rules of docs/architecture.md are enforced here: consensus/ and the pure parts of trainer/ reach
// no I/O, threads, tfjs, LevelDB or libp2p, nor chain/ or src/; chain/ does not reach src/.
import tseslint from 'typescript-eslint';

/** Node modules that do I/O, start threads or processes, or read the machine: never in the pure layers. */
const NODE_IO = [
  'fs', 'fs/promises', 'path', 'os', 'net', 'tls', 'dns', 'dgram', 'http', 'https', 'http2',
  'child_process', 'worker_threads', 'cluster', 'process', 'module', 'readline', 'stream',
  'perf_hooks', 'timers', 'timers/promises', 'inspector', 'v8', 'vm',
];
const nodeIo = {
  regex: `^(node:)?(${NODE_IO.map((name) => name.replace('/', '\\/')).join('|')})$`,
  message: 'consensus/ and the pure parts of trainer/ do no I/O and start no threads (docs/architecture.md); do it in src/ and pass the result in.',
};
const impurePackages = {
  regex: '^(level|classic-level|libp2p|@libp2p/|@chainsafe/|@multiformats/|@tensorflow/|webgpu|pino)',
  message: 'consensus/ and the pure parts of trainer/ use no LevelDB, libp2p, tfjs or logger (docs/architecture.md).',
};
const upToChainOrSrc = {
  regex: '^(\\.\\./)+(chain|src)/',
  message: 'consensus/ and trainer/ sit below chain/ and src/ and may not import them (docs/architecture.md).',
};
const impureTrainer = {
  regex: '^(\\./|(\\.\\./)+(trainer/)?)(engine|fast|io)/',
  message: 'trainer/engine/, trainer/fast/ and trainer/io/ are impure: only src/ (and tests) may import them (docs/architecture.md).',
};
const upToSrc = {
  regex: '^(\\.\\./)+src/',
  message: 'chain/ sits below src/ and may not import it (docs/architecture.md).',
};

/** The clock and randomness: every node must compute the same bits. */
const nondeterminism = [
  { object: 'Date', property: 'now', message: 'consensus/ and pure trainer/ read no clock: take the time as an argument.' },
  { object: 'performance', property: 'now', message: 'consensus/ and pure trainer/ read no clock: take the time as an argument.' },
  { object: 'Math', property: 'random', message: 'consensus/ and pure trainer/ use no Math.random: derive randomness from a seed (trainer/prng.ts).' },
];

export const PURE_FILES = ['consensus/**/*.ts', 'trainer/**/*.ts'];
export const IMPURE_TRAINER_FILES = ['trainer/engine/**', 'trainer/fast/**', 'trainer/io/**'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'bench/out/**', 'src/dashboard/vendor/**'] },
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: PURE_FILES,
    ignores: IMPURE_TRAINER_FILES,
    rules: {
      'no-restricted-imports': ['error', { patterns: [nodeIo, impurePackages, upToChainOrSrc, impureTrainer] }],
      'no-restricted-properties': ['error', ...nondeterminism],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'Worker', 'require'],
    },
  },
  {
    files: IMPURE_TRAINER_FILES,
    rules: {
      'no-restricted-imports': ['error', { patterns: [upToChainOrSrc] }],
    },
  },
  {
    files: ['chain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [upToSrc] }],
    },
  },
);
