// Test support: a software GPU for the webgpu path. Debian's chromium ships SwiftShader's Vulkan driver;
// with VK_ICD_FILENAMES pointing at it, Dawn (the `webgpu` package) finds a Vulkan adapter on a machine
// with no GPU, so CI runs the GPU code path for real. Where the driver or Dawn's prebuilt binary is
// missing, the tests skip and say why (.ci/run installs chromium).
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Debian's path; D2L_SWIFTSHADER_ICD names another (e.g. a chromium unpacked elsewhere). */
export const SWIFTSHADER_ICD = process.env.D2L_SWIFTSHADER_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Why Dawn's prebuilt binary for this platform is not usable as installed, or undefined when it is there. */
export function dawnBinaryProblem(): string | undefined {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('webgpu/package.json'));
  } catch {
    return 'the `webgpu` package (Dawn for Node) is not installed (an optional dependency of @course/d2l)';
  }
  // The package ships one dawn.node per platform (index.js picks it); it needs no install script on Linux.
  const platform = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
  const binary = join(root, 'dist', platform, 'dawn.node');
  return existsSync(binary) ? undefined : `the webgpu package has no prebuilt Dawn for ${platform} (${binary})`;
}

/**
 * The environment for a child process that should see SwiftShader as its only GPU, or undefined (after
 * saying why on stderr) when this machine lacks the driver or Dawn.
 */
export function swiftshaderEnv(testFile: string): NodeJS.ProcessEnv | undefined {
  const problem = existsSync(SWIFTSHADER_ICD)
    ? dawnBinaryProblem()
    : `${SWIFTSHADER_ICD} is missing (apt-get install chromium; .ci/run does)`;
  if (problem) {
    console.warn(`${testFile}: the software-GPU tests skip: ${problem}`);
    return undefined;
  }
  // Dawn warns without a runtime directory; a fresh private one (mkdtemp makes it 0700) keeps runs apart.
  const { D2L_DAWN_FLAGS: _flags, D2L_TRY_WEBGPU: _try, ...env } = process.env;
  const runtime = { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'xdg-runtime-')) };
  // Dawn opens the Vulkan loader (libvulkan.so.1) by name. Chromium ships one beside the driver and does not
  // depend on the system's (Debian's libvulkan1), which a bare machine lacks: use chromium's.
  const dir = dirname(SWIFTSHADER_ICD);
  if (!existsSync(join(dir, 'libvulkan.so.1'))) return { ...env, ...runtime };
  const paths = [dir, ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)].join(':');
  return { ...env, ...runtime, LD_LIBRARY_PATH: paths };
}
