/**
 * Dependencies point one way: each folder of src/ may import only from the folders in the layers
 * below its own (and its own). `npm run lint` runs this; a planted upward import fails it
 * (test/lint/dependency-rule.test.ts).
 */
const LAYERS = [
  ['core'],
  ['stack', 'proxy', 'fis'],
  ['load', 'detection'],
  ['faults', 'remediation'],
  ['scenario', 'runbooks'],
  ['responders'],
  ['engine'],
  ['reporting', 'k6'],
  ['cli', 'testing'],
];

const folders = (layers) => `^src/(${layers.flat().join('|')})/`;

const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `upward-from-${layer.join('-')}`,
  comment: `src/{${layer.join(',')}} is below ${LAYERS.slice(index + 1)
    .map((l) => l.join('/'))
    .join(', ')}: it may not import them (move the shared piece down instead)`,
  severity: 'error',
  from: { path: folders([layer]) },
  to: { path: folders(LAYERS.slice(index + 1)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'a cycle makes the order of initialisation an accident',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'fixtures-through-one-door',
      comment:
        'the reference backend in fixtures/ is reached only through src/stack/reference-backend.ts, so the harness stays independent of one backend',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/stack/reference-backend\\.ts$' },
      to: { path: '^fixtures/' },
    },
    {
      name: 'fixtures-stand-alone',
      comment: 'the system under test knows nothing of the harness that tests it',
      severity: 'error',
      from: { path: '^fixtures/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type cycle is a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
