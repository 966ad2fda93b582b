// @course/core: the assignment model every other package reads, and nothing else. The manifest and the
// expected data an assignment is graded by, where assignments live, the report a grading produces, the
// topology a submission hands over (validated, flattened, rebuilt) and its canonical graph with the
// analyses on it (block and network outline, parameter counts, cost and budgets). It imports only
// @course/d2l below it; the grader, the authoring step (@course/assign) and @course/resnet import it
// here, by this entry and no deeper. The entry loads TF.js (topology.ts rebuilds models with it); every
// importer loads TF.js anyway today (measured: the grader CLI's start-up is unchanged), so there is no
// lighter entry; one that needs the manifest without TF.js would get a named entry for topology.ts.
export * from './analysis/canonical.ts';
export * from './analysis/cost.ts';
export * from './analysis/graph.ts';
export * from './assignments.ts';
export * from './expected.ts';
export * from './flat-topology.ts';
export * from './manifest.ts';
export * from './report-schema.ts';
export * from './topology.ts';
