// @course/grader: the grading application. Its public surface is grading one submission; the class-wide
// machinery (worker pool, shards, similarity, gradebook) is the named entry `@course/grader/batch`
// (src/batch/index.ts), loaded only by what grades a class, as the CLI loads it only for --submissions.
// The assignment model the grader reads (manifest, expected data, report schema, canonical graph) is
// @course/core's, not the grader's.
export { type GradeOptions, gradeSubmission, UsageError } from './grade.ts';
