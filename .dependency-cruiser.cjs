// Who may import whom, written down once. `pnpm depcheck` and scripts/dependencies.test.ts cruise the
// tree with these rules (dependency-cruiser) and fail on any violation; the test also shows that every
// reversed arrow between two floors, and a cycle between folders, is caught.
//
// The floors, bottom first. A module may import its own floor and the floors below it, never a floor
// above: the assignment model does not know the grader, the grader does not know an assignment, and
// nothing below the top knows the authoring step.
const FLOORS = [
  ['onednn', '^packages/onednn/'], // the optional oneDNN addon
  ['d2l', '^packages/d2l/'], // the book's utilities: backends, training loop, summaries
  ['core', '^packages/core/'], // the assignment model: manifest, expected data, report, canonical graph
  ['resnet', '^packages/resnet/'], // the reference ResNets and the student's own `pnpm train`/`summary`
  ['grader', '^grader/'], // the grading application
  ['assign', '^packages/assign/'], // the authoring step and the release tool
  ['top', '^(assignments|scripts)/'], // the assignments themselves, and the repository's scripts
];

const above = (i) => FLOORS.slice(i + 1).map(([, path]) => path);

module.exports = {
  forbidden: [
    ...FLOORS.slice(0, -1).map(([name, path], i) => ({
      name: `${name}-imports-only-below`,
      comment: `${name} (${path}) may import only its own floor and the ones below it (.dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path },
      to: { path: above(i) },
    })),
    {
      name: 'no-module-cycle',
      comment: 'modules import each other in a cycle: move the shared piece down into a module both import',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'folders import each other in a cycle (e.g. batch/ and review/): move the shared piece down',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing (a workspace package imported below its entry, a typo)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Student submissions and fixtures are data the grader reads, not part of the house.
    exclude: { path: ['node_modules', '(^|/)\\.[^/]+/', '(^|/)test-submissions/', '/fixtures/', '\\.d\\.m?ts$'] },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};

// The floors themselves, for the test that reverses each arrow (scripts/dependencies.test.ts); not an
// option of dependency-cruiser, so kept out of what it validates.
Object.defineProperty(module.exports, 'floors', { value: FLOORS, enumerable: false });
