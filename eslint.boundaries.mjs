/**
 * The module order: a module may import the modules of lower layers (and its own files), never one of its own
 * layer or a higher one. docs/architecture.md describes each module; `npm run lint` enforces the order.
 */
import boundaries from 'eslint-plugin-boundaries';

/**
 * Lowest first. `app` is the composition root (src/main.ts, src/app.*.ts, ormconfig.ts): it may import anything,
 * and nothing imports it (no-unknown-dependencies: it belongs to no module). The migration CLI is an entry point
 * too: it loads ormconfig.ts.
 */
export const LAYERS = [
  ['libs'],
  ['config'],
  ['common', 'database', 'metrics'],
  ['security', 'streamers'],
  ['oauth', 'sessions'],
  ['twitch', 'donation-alerts'],
  ['donations'],
  ['alerts'],
  ['scheduler', 'webhooks', 'overlay', 'realtime', 'bots', 'control-room'],
  ['auth'],
  ['web', 'jobs', 'health'],
];

const elements = [
  { type: 'libs', pattern: 'libs/**', partialMatch: false },
  { type: 'config', pattern: 'config/**', partialMatch: false },
  ...LAYERS.flat()
    .filter((name) => !['libs', 'config'].includes(name))
    .map((name) => ({ type: name, pattern: `src/${name}/**`, partialMatch: false })),
];

const policies = LAYERS.flatMap((layer, index) => {
  const below = LAYERS.slice(0, index).flat();
  return layer.map((name) => ({
    from: { element: { type: name } },
    allow: { to: { element: { types: { anyOf: [name, ...below] } } } },
  }));
});

export const boundariesConfig = {
  files: ['src/**/*.ts', 'libs/**/*.ts', 'config/**/*.ts'],
  ignores: ['**/*.spec.ts'],
  plugins: { boundaries },
  settings: {
    'boundaries/elements': elements,
    'boundaries/ignore': ['src/database/migrate-cli.ts'],
    'import/resolver': { typescript: { project: './tsconfig.json' } },
  },
  rules: {
    'boundaries/no-unknown-dependencies': 'error',
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        message:
          '{{from.element.type}} must not import {{to.element.type}}: imports run one way (docs/architecture.md)',
        policies,
      },
    ],
  },
};
