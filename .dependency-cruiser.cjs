// The layers of the engine, bottom to top. A module may import from its own layer and the ones below it,
// never from a layer above, and no import may close a circle. `npm run lint` runs this check.
// Where each concern lives is described in docs/architecture.md.
const layers = [
  ['base', '^src/shared/|^src/main/(model|api)/|^src/main/lazy-require[.]ts$'],
  ['infrastructure', '^src/main/(store|transport|secrets)/'],
  ['scanner', '^src/main/scanner/'],
  ['compare', '^src/main/compare/'],
  ['records', '^src/main/(policy|inventory|baseline|events)/'],
  ['scan', '^src/main/scan/'],
  ['follow-up', '^src/main/(schedule|alert|report)/'],
  ['engine', '^src/main/engine/'],
  ['surfaces', '^src/main/(cli|server|electron)/'],
];

const upward = layers.slice(0, -1).map(([name, path], index) => ({
  name: `${name}-imports-upward`,
  comment: `The ${name} layer may not import from a layer above it (${layers.slice(index + 1).map(([above]) => above).join(', ')}).`,
  severity: 'error',
  from: { path },
  to: { path: layers.slice(index + 1).map(([, above]) => above).join('|') },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make a change in one file ripple round the circle; break them by moving the shared part down.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'engine-module-outside-the-layers',
      comment: 'Every engine module lives in one of the layers listed in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/main/', pathNot: `${layers.map(([, path]) => path).join('|')}|^src/main/electron/` },
      to: {},
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench|dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
