import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DigestStore, StoredDigest } from '../core/audit/digest-store.js';

const DIGEST_FILE = /^\d{10}-\d{8}T\d{6}Z\.json$/;

/** Digest file names in a directory, in key (so sequence) order. */
export const listDigestFiles = async (dir: string): Promise<string[]> => {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => DIGEST_FILE.test(name)).sort();
};

/** Every digest in a directory, as `qm audit verify --digests` reads them. */
export const readDigestDirectory = async (dir: string): Promise<StoredDigest[]> => {
  const names = await listDigestFiles(dir);
  return Promise.all(names.map(async (key) => ({ key, text: await readFile(join(dir, key), 'utf8') })));
};

/** Digests as files of a directory: the embedded mode's store, and what a verifier downloads. */
export const directoryDigestStore = (dir: string): DigestStore => ({
  async latest() {
    const key = (await listDigestFiles(dir)).at(-1);
    return key === undefined ? undefined : { key, text: await readFile(join(dir, key), 'utf8') };
  },
  async put(key, text) {
    await mkdir(dir, { recursive: true });
    // `wx`: a digest, once written, is never replaced.
    await writeFile(join(dir, key), text, { flag: 'wx' });
  },
});
