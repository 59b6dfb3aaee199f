/**
 * The import rules of docs/architecture.md, enforced (`npm run lint`):
 * - no import circles anywhere, type-only imports included;
 * - src/ layers: a folder imports only folders above it in LAYERS (lib, the lowest, imports none);
 * - src/ imports nothing from the scripts, tests, e2e or tooling folders;
 * - scripts/, tests/ and e2e/ do not import one another: what they share lives in tooling/.
 */
const LAYERS = ['lib', 'engine', 'models', 'data', 'methods', 'transfer', 'eval', 'carbon', 'train', 'experiments', 'worker', 'store', 'ui', 'features', 'api'];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}/ sits below ${LAYERS.slice(i + 1).join(', ')} (docs/architecture.md, Layering)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(i + 1).join('|')})/` },
}));

const apart = ['scripts', 'tests', 'e2e'].map((folder) => ({
  name: `no-${folder}-across`,
  comment: `${folder}/ imports src/ and tooling/, not the other tool folders`,
  severity: 'error',
  from: { path: `^${folder}/` },
  to: { path: `^(${['scripts', 'tests', 'e2e'].filter((f) => f !== folder).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import circle (type-only imports count): split the shared piece into its own module',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'src-stands-alone',
      comment: 'the app imports nothing from the tool folders',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(scripts|tests|e2e|tooling)/' },
    },
    ...apart,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|docs)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
