// ESLint flat config. `npm run lint` runs `tsc --noEmit` first, so this file
// only adds what the compiler does not check: typescript-eslint's
// recommended rules, file length, and the layer boundaries of src/.
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

const root = fileURLToPath(new URL('.', import.meta.url));
const code = ['src', 'test', 'bench', 'scripts'].map((dir) => `${dir}/**/*.{ts,mts,cts,js,mjs,cjs}`);

// One zone per layer of src/: files under `target` may import nothing under
// src/ except the paths in `allow` (paths relative to src/). Packages and
// Node.js builtins are not restricted, except for the engine. Data flows one
// way: wire (http, admin) → domain → engine; store, network and jobs are
// adapters plugged into ports that the domain owns. A layer that does not
// exist yet simply matches no file.
const layers = [
  // Small generic helpers (a compiled-query cache) that any layer may use.
  { target: 'lib', allow: ['lib'], why: 'shared helpers depend on nothing of Wisp' },
  // The durable job engine is generic: it knows nothing of SIMs, accounts or
  // any other part of Wisp, so it could be lifted out as a library.
  { target: 'engine', allow: ['engine', 'lib'], why: 'the job engine is generic: it imports only itself' },
  // Business rules, and the port interfaces (domain/ports.ts) that store,
  // network and jobs implement. They depend on no adapter, wire or config.
  { target: 'domain', allow: ['domain', 'engine', 'lib'], why: 'the domain owns its ports and depends on no adapter, wire layer or config' },
  // Job adapters: call domain rules and network adapters, reach storage only
  // through the domain's ports.
  { target: 'jobs', allow: ['jobs', 'domain', 'engine', 'network', 'lib'], why: 'jobs reach storage only through the domain\'s ports' },
  // Operator and device simulation: implements domain ports; no storage,
  // wire or job code.
  { target: 'network', allow: ['network', 'domain', 'engine', 'lib'], why: 'network adapters implement domain ports and see no other adapter' },
  // Implements the domain's ports with Kysely; never calls back up into the
  // wire layers or the other adapters.
  { target: 'store', allow: ['store', 'domain', 'engine', 'lib'], why: 'the store implements domain ports and sees no other adapter or wire layer' },
  // Wire layers: translate HTTP to domain calls. They get the store, jobs and
  // network only as ports handed over by the composition root.
  { target: 'http', allow: ['http', 'admin', 'console', 'domain', 'engine', 'lib', 'config.ts'], why: 'wire layers reach adapters only through domain ports' },
  { target: 'admin', allow: ['admin', 'http', 'domain', 'engine', 'lib', 'config.ts'], why: 'wire layers reach adapters only through domain ports' },
  // The web console: pages over the domain services, like the admin API; it may reuse the
  // wire helpers of http (auth, errors) and admin (request checks).
  { target: 'console', allow: ['console', 'http', 'admin', 'domain', 'engine', 'lib', 'config.ts'], why: 'the console reaches Wisp through the domain services, never the store' },
  // The typed HTTP client of the admin API: it speaks HTTP only, so it works
  // against any running Wisp.
  { target: 'client', allow: ['client'], why: 'the admin client talks to a server over HTTP only' },
  // The `wisp` command talks to a running server over HTTP (the client), or
  // runs one (`wisp start` runs main.ts); it never opens the store itself.
  { target: 'cli', allow: ['cli', 'client', 'lib', 'main.ts'], why: 'the CLI talks to a server over HTTP, or starts one through main.ts' },
  // startWisp(): a whole Wisp through the composition root, reached over HTTP.
  { target: 'embed', allow: ['embed', 'client', 'app.ts', 'config.ts', 'domain'], why: 'embedding goes through the composition root and the HTTP client' },
  // src/config.ts, app.ts (the composition root), main.ts, demo.ts, index.ts
  // (the package's exports) and seed-file.ts have no zone: they may import
  // anything.
];

const zones = layers.map(({ target, allow, why }) => ({
  target: `src/${target}`,
  from: 'src',
  except: allow.map((path) => `./${path}`),
  message: `src/${target} may import only ${allow.map((path) => `src/${path}`).join(', ')}: ${why}.`,
}));
// The engine may use Node.js builtins (never restricted) and Kysely, no
// other package.
zones.push({
  target: 'src/engine',
  from: 'node_modules',
  except: ['./kysely'],
  message: 'src/engine may use only Node.js builtins and kysely.',
});

export default [
  { ignores: ['node_modules/', 'bench/results/', 'data/', 'dist/'] },

  // All of typescript-eslint's recommended rules stay on; only no-unused-vars
  // is tuned below, and no-explicit-any is off in test/.
  ...tseslint.configs.recommended.map((config) => ({ ...config, files: code })),

  {
    files: code,
    plugins: { 'import-x': importX },
    settings: {
      // TypeScript's NodeNext style: `./x.js` in an import means `./x.ts`.
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      // The codebase names a deliberately unused binding with a leading `_`,
      // mostly to drop a key: `({ seq: _seq, ...row }) => row`.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // no-restricted-paths silently skips an import it cannot resolve: this
      // proves the resolver finds them (it checks value imports; tsc fails on
      // a type import that is really missing).
      'import-x/no-unresolved': 'error',
    },
  },

  {
    files: ['src/**'],
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: root, zones }],
      // `import('../store/x.js').T` in a type position would slip past
      // no-restricted-paths: use `import type` instead.
      'no-restricted-syntax': ['error', { selector: 'TSImportType', message: 'Use `import type` so layer boundaries are checked.' }],
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },

  {
    files: ['test/**'],
    rules: {
      // Test helpers return `body: any` on purpose: responses are checked
      // against Twilio's OpenAPI schemas, not by the compiler.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
];
