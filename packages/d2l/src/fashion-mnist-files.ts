// Where the full Fashion-MNIST files come from: a local copy ($D2L_DATA_DIR, the user cache, the
// Debian package), else a verified download into the cache. Nothing here touches tensors.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.ts';
import { gunzipIfNeeded } from './idx.ts';

export type SplitFile = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export const FILE_NAMES: Record<SplitFile, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/**
 * SHA-256 of the canonical `.gz` files as Zalando publishes them, and of their decompressed payload:
 * re-packed copies (Debian's differ in the gzip header) are accepted when the payload matches.
 */
export const SHA256: Record<SplitFile, { gz: string; raw: string }> = {
  trainImages: {
    gz: '08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc',
    raw: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
  },
  trainLabels: {
    gz: 'b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc',
    raw: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
  },
  testImages: {
    gz: '78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229',
    raw: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
  },
  testLabels: {
    gz: '42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf',
    raw: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
  },
};

export const DOWNLOAD_MIRRORS = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

export const DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

export function userCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'd2l', 'fashion-mnist');
}

/** Candidate folders in lookup order; `dataDir` (an explicit option) comes first. */
export function searchDirs(dataDir?: string): string[] {
  const dirs = [dataDir, process.env.D2L_DATA_DIR, userCacheDir(), DEBIAN_DIR].filter((d): d is string => !!d);
  return [...new Set(dirs)];
}

/** The file for one split in `dir`, gzipped or raw, if it is there. */
export function findFile(dir: string, which: SplitFile): string | undefined {
  const base = join(dir, FILE_NAMES[which]);
  return [`${base}.gz`, base].find((p) => existsSync(p));
}

export type FullFiles = Record<SplitFile, string>;

/** The first folder holding all four files, or undefined. */
export function findLocalFiles(
  dataDir?: string,
  dirs = searchDirs(dataDir),
): { dir: string; files: FullFiles } | undefined {
  for (const dir of dirs) {
    const found = Object.fromEntries(
      (Object.keys(FILE_NAMES) as SplitFile[]).map((k) => [k, findFile(dir, k)] as const),
    ) as Partial<FullFiles>;
    if (Object.values(found).every(Boolean)) return { dir, files: found as FullFiles };
  }
  return undefined;
}

export function howToGetData(dirs: string[]): string {
  return [
    'Fashion-MNIST files not found and could not be downloaded. Three ways to get them:',
    `  1. set D2L_DATA_DIR to a folder holding ${Object.values(FILE_NAMES)
      .map((n) => `${n}.gz`)
      .join(', ')}`,
    `  2. go online once: the files are downloaded into ${userCacheDir()} (from ${DOWNLOAD_MIRRORS[0]})`,
    `  3. on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist (installs them in ${DEBIAN_DIR})`,
    `Searched: ${dirs.join(', ') || 'nothing'}. Or use the embedded subset (subset: 'embedded').`,
  ].join('\n');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** True when bytes are the canonical file, or a re-packing of its exact payload. */
export function verifyBytes(which: SplitFile, bytes: Uint8Array): boolean {
  const want = SHA256[which];
  if (sha256(bytes) === want.gz) return true;
  try {
    return sha256(gunzipIfNeeded(bytes)) === want.raw;
  } catch {
    return false;
  }
}

type Fetch = (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/**
 * Download the four canonical files into `cacheDir` (default: the user cache). Each is verified by
 * SHA-256 before it is renamed into place; a failure leaves nothing behind and throws one line.
 */
export async function downloadFashionMnist(
  options: { cacheDir?: string; mirrors?: string[]; fetch?: Fetch; log?: (line: string) => void } = {},
): Promise<{ dir: string; files: FullFiles }> {
  const dir = options.cacheDir ?? userCacheDir();
  const mirrors = options.mirrors ?? DOWNLOAD_MIRRORS;
  // A blackholed network should fail, not hang: five minutes per file is ample for 26 MB.
  const get: Fetch = options.fetch ?? ((url) => fetch(url, { signal: AbortSignal.timeout(300_000) }));
  mkdirSync(dir, { recursive: true });
  const files: Partial<FullFiles> = {};
  for (const which of Object.keys(FILE_NAMES) as SplitFile[]) {
    const target = join(dir, `${FILE_NAMES[which]}.gz`);
    if (existsSync(target)) {
      files[which] = target;
      continue;
    }
    const problems: string[] = [];
    for (const mirror of mirrors) {
      const url = `${mirror}${FILE_NAMES[which]}.gz`;
      try {
        options.log?.(`downloading ${url}`);
        const res = await get(url);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (!verifyBytes(which, bytes)) throw new Error('SHA-256 mismatch');
        writeFileAtomic(target, bytes);
        files[which] = target;
        break;
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        problems.push(`${url}: ${err instanceof Error ? err.message : String(err)}${cause ? ` (${cause})` : ''}`);
      }
    }
    if (!files[which]) throw new Error(`download failed (${problems.join('; ')})`);
  }
  return { dir, files: files as FullFiles };
}
