// Lint rules: typescript-eslint's recommended set, the import direction of DESIGN.md, and no
// wall-clock time, Math.random or bare timers outside the Clock and Random implementations.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nondeterminism = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock, not Date.now().' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the injected Clock, not new Date().' },
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Use the injected Random, not Math.random().' },
  { selector: "CallExpression[callee.name=/^(setTimeout|setInterval)$/]", message: 'Use the injected Clock, not a bare timer.' },
];

const layer = (files, forbidden, why) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message: why })) }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/**', '.tmp/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', Buffer: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', clearTimeout: 'readonly', clearInterval: 'readonly', setTimeout: 'readonly', setInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', ...nondeterminism],
    },
  },
  // The Clock and Random implementations, benchmarks and process entry points may use the real thing.
  { files: ['**/clock.ts', '**/random.ts', 'bench/**', 'bin/**'], rules: { 'no-restricted-syntax': 'off' } },
  // Tests may measure real time only through the Clock too, but may use timers to bound a wait.
  { files: ['**/*.test.ts', '**/testing/**'], rules: { 'no-restricted-syntax': ['error', ...nondeterminism.slice(0, 3)] } },
  // Import direction: scenarios → controllers → clients → apiserver/{api,machinery}.
  layer(['apiserver/api/**', 'apiserver/machinery/**'], ['**/storage/**', '**/registry/**', '**/http/**', '**/interleave/**', '**/clients/**', '**/controllers/**', '**/scenarios/**', '**/cli/**'], 'api and machinery are the bottom layer.'),
  layer(['apiserver/storage/**'], ['**/registry/**', '**/http/**', '**/interleave/**', '**/clients/**', '**/controllers/**', '**/scenarios/**', '**/cli/**'], 'storage knows keys, objects, revisions and events only.'),
  layer(['apiserver/registry/**'], ['**/http/**', '**/interleave/**', '**/clients/**', '**/controllers/**', '**/scenarios/**', '**/cli/**'], 'the registry knows API rules, not HTTP.'),
  layer(['apiserver/interleave/**'], ['**/storage/**', '**/registry/**', '**/http/**', '**/clients/**', '**/controllers/**', '**/scenarios/**', '**/cli/**'], 'interleave imports nothing above machinery.'),
  layer(['apiserver/http/**'], ['**/clients/**', '**/controllers/**', '**/scenarios/**', '**/cli/**'], 'the API server knows nothing of its clients.'),
  layer(['clients/**'], ['**/apiserver/apiserver.ts', '**/apiserver/storage/**', '**/apiserver/registry/**', '**/apiserver/http/**', '**/apiserver/interleave/**', '**/controllers/**', '**/scenarios/**', '**/cli/**'], 'clients only speak HTTP.'),
  layer(['controllers/**'], ['**/apiserver/apiserver.ts', '**/apiserver/storage/**', '**/apiserver/registry/**', '**/apiserver/http/**', '**/apiserver/interleave/**', '**/scenarios/**', '**/cli/**'], 'controllers only speak HTTP.'),
  // Tests assemble a real server beside the code under test, as the process entry points do.
  { files: ['**/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
);
