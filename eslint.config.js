import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const peerOnlyIn = (pkg, folder) => ({
  group: [pkg, `${pkg}/*`],
  message: `${pkg} is an optional peer: import it only under ${folder}`,
})

const BACKENDS = ['memory', 'chroma', 'pgvector']
const PEER_RULES = [
  peerOnlyIn('chromadb', 'src/chroma'),
  peerOnlyIn('drizzle-orm', 'src/pgvector'),
  peerOnlyIn('postgres', 'src/pgvector'),
  peerOnlyIn('@electric-sql/*', 'src/pgvector'),
]

// A backend builds on the core only: what two backends share lives in src/core.
const backendImportsNoOther = (backend) => ({
  files: [`src/${backend}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `^(\\.\\./)+(${BACKENDS.filter((other) => other !== backend).join('|')})/`,
            message: 'a backend imports no other backend: move what they share to src/core',
          },
          ...(backend === 'memory' ? PEER_RULES : []),
        ],
      },
    ],
  },
})

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'bench/results/', 'bench/.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript files here run on Node.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
  },
  {
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The root entry and the core must never pull in a backend driver.
    files: ['src/**/*.ts'],
    ignores: ['src/chroma/**', 'src/pgvector/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: PEER_RULES,
        },
      ],
    },
  },
  {
    // The command line is built on the public entry points only, like any app.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(\\.\\./)+(core|internal|memory|store|embedding|testing|pgvector|chroma)/(?!index\\.js$)',
              message:
                'the CLI imports only entry points: ../index.js, pgvector/index.js, chroma/index.js',
            },
            ...PEER_RULES,
          ],
        },
      ],
    },
  },
  ...BACKENDS.map(backendImportsNoOther),
)
