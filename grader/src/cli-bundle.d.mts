// Types of cli-bundle.mjs (plain JavaScript: it runs at install, before anything is compiled).
export const DIST: string;
/** The fresh bundle's entry file, or undefined when there is none or any input changed since it was built. */
export function freshBundle(dist?: string): string | undefined;
/** Bundle the CLI into a new build folder, make it current, and return its entry file. */
export function buildBundle(dist?: string): Promise<string>;
/** The bundle to run: the fresh one, else a new one; undefined when none can be built here. */
export function ensureBundle(dist?: string): Promise<string | undefined>;
