import { randomUUID } from 'node:crypto';
import { constants as fsConstants, type BigIntStats, type Dirent } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { AbortedError, ArchiveError } from '../errors.js';
import { classifyFsError, codeOf, isMissing } from './fs-errors.js';
import { assertSafeKey, assertSafePrefix, compareKeys } from './key-safety.js';
import { PartReader } from './parts.js';
import { fileSource } from './file-source.js';
import type { BucketStore, PendingUpload, StoredObject } from './store.js';

export interface FileStoreOptions {
  /** The destination directory (a local disk or a mounted volume). */
  root: string;
  /**
   * A missing root whose parent exists is made by the first write (mode 0750), and check() lets
   * it pass; a missing parent stays fatal. Off by default: a reader (verify) must find the
   * archive, not an empty place where it could be.
   */
  createRoot?: boolean;
}

/**
 * Where unfinished writes live, inside the root so a rename onto the key is atomic (same file
 * system). Each upload is two files: `{id}.key` names the key (written first), `{id}` holds the
 * bytes. A kill leaves them behind as a pending upload, never a partial object.
 */
const UPLOADS = '.uploads';
const WRITE_BUFFER_BYTES = 1024 * 1024;
const KEY_SUFFIX = '.key';

export function createFileStore(options: FileStoreOptions): BucketStore {
  const root = options.root.endsWith(sep) && options.root.length > 1 ? options.root.slice(0, -1) : options.root;
  const uploads = join(root, UPLOADS);
  const location = pathToFileURL(root).href.replace(/\/?$/, '/');

  const pathOf = (key: string) => {
    assertSafeKey(key);
    // The upload area is ours; a key there could overwrite or delete an upload in progress.
    if (key === UPLOADS || key.startsWith(`${UPLOADS}/`)) {
      throw new ArchiveError('store', 'file', 'unsafe-key', `refusing key ${JSON.stringify(key)}: ${UPLOADS}/ is reserved`);
    }
    return join(root, ...key.split('/'));
  };
  const fail = (error: unknown, operation: string, key?: string) => classifyFsError(error, operation, location, key);

  /**
   * Whether the root was seen or made by this store. Until then a missing root is one still to
   * be created (its parent exists: check() said so); after, a root that vanished (an unmounted
   * volume) must fail, not be created anew.
   */
  let rootKnown = false;

  /** The root is missing and may be created here: its parent is a directory. */
  async function rootCreatable(): Promise<boolean> {
    if (rootKnown || options.createRoot !== true) return false;
    const parent = await stat(dirname(root)).catch(() => undefined);
    return parent?.isDirectory() === true;
  }

  /** Not recursive: only the root itself is made, never a missing parent (a volume not mounted). */
  async function ensureUploadArea() {
    try {
      await mkdir(uploads);
      rootKnown = true;
    } catch (error) {
      if (codeOf(error) === 'EEXIST') {
        rootKnown = true;
        return;
      }
      if (codeOf(error) === 'ENOENT' && (await rootCreatable())) {
        try {
          await mkdir(root, { mode: 0o750 });
        } catch (inner) {
          if (codeOf(inner) !== 'EEXIST') throw fail(inner, 'create');
        }
        rootKnown = true;
        return ensureUploadArea();
      }
      throw fail(error, 'check');
    }
  }

  /**
   * Writes through a temp file, fsyncs, then renames onto the key: readers see the old object or
   * the whole new one, never part of it.
   */
  async function writeAtomically(key: string, operation: string, signal: AbortSignal | undefined, write: (file: FileHandle) => Promise<void>): Promise<string> {
    const target = pathOf(key);
    if (signal?.aborted) throw new AbortedError(`${operation} stopped before it began`);
    const id = randomUUID();
    const temp = join(uploads, id);
    await ensureUploadArea();
    try {
      await writeFileSynced(temp + KEY_SUFFIX, key);
      const file = await open(temp, 'wx');
      let version: string;
      try {
        await write(file);
        await file.sync();
        // A rename keeps the inode and the modification time: the listing will show this version.
        version = versionOf(await file.stat({ bigint: true }));
      } finally {
        await file.close();
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      await syncDirectory(dirname(target));
      await unlink(temp + KEY_SUFFIX);
      return version;
    } catch (error) {
      await Promise.all([removeIfPresent(temp), removeIfPresent(temp + KEY_SUFFIX)]);
      if (signal?.aborted) throw new AbortedError(`${operation} stopped before completion`);
      // The source's own error, classified where it was made (a truncated download, say).
      if (error instanceof SourceFailure) throw error.error;
      throw fail(error, operation, key);
    }
  }

  /** Every pending upload: ids from either file, since a kill can fall between writing the two. */
  async function pendingUploads(): Promise<PendingUpload[]> {
    let names: string[];
    try {
      names = await readdir(uploads);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return [];
      throw fail(error, 'list pending uploads');
    }
    const ids = new Set(names.map((name) => (name.endsWith(KEY_SUFFIX) ? name.slice(0, -KEY_SUFFIX.length) : name)));
    const found: PendingUpload[] = [];
    for (const id of ids) {
      const key = await readFile(join(uploads, id + KEY_SUFFIX), 'utf8').catch(() => undefined);
      const info = (await stat(join(uploads, id)).catch(() => undefined)) ?? (await stat(join(uploads, id + KEY_SUFFIX)).catch(() => undefined));
      if (!info) continue; // finished or aborted meanwhile
      // A data file without its key file was not written by us; it is listed (at the root) so it can be removed.
      found.push({ key: key ?? '', id, initiated: info.mtime });
    }
    return found.sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.id, b.id));
  }

  return {
    location,

    async check() {
      try {
        const info = await stat(root).catch(async (error: unknown) => {
          if (codeOf(error) !== 'ENOENT') throw error;
          if (!(await rootCreatable())) {
            throw Object.assign(new Error(`neither ${root} nor its parent ${dirname(root)} exists`), { code: 'ENOENT' });
          }
          return undefined;
        });
        // A missing root is made by the first write, so checking (and a dry run) writes nothing.
        if (info === undefined) {
          await access(dirname(root), fsConstants.W_OK | fsConstants.X_OK);
          return;
        }
        if (!info.isDirectory()) throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
        await access(root, fsConstants.W_OK | fsConstants.X_OK);
        rootKnown = true;
      } catch (error) {
        throw fail(error, 'check');
      }
    },

    async upload(key, body, uploadOptions = {}) {
      const { signal } = uploadOptions;
      let bytes = 0;
      let version: string;
      const source = body instanceof Readable ? new PartReader(body) : body;
      // A stalled source may take its time to end once destroyed; the abort must not wait for it.
      const aborted = rejectOnAbort(signal);
      try {
        version = await writeAtomically(key, 'upload', signal, async (file) => {
          // One buffer per upload, filled and written again and again: no buffer per read.
          const buffer = Buffer.allocUnsafe(source.size === undefined ? WRITE_BUFFER_BYTES : Math.min(Math.max(source.size, 1), WRITE_BUFFER_BYTES));
          for (;;) {
            const pending = source.fill(buffer).catch((error: unknown) => {
              throw new SourceFailure(error);
            });
            pending.catch(() => undefined); // may settle after an abort, unobserved
            const filled = await Promise.race([pending, aborted.promise]);
            bytes += filled;
            await writeAll(file, buffer.subarray(0, filled));
            if (filled < buffer.length) return;
          }
        });
      } catch (error) {
        source.destroy();
        throw error;
      } finally {
        aborted.dispose();
      }
      return { bytes, version };
    },

    async put(key, body, putOptions = {}) {
      const version = await writeAtomically(key, 'put', putOptions.signal, async (file) => {
        await file.writeFile(body);
      });
      return { bytes: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength, version };
    },

    async get(key) {
      const path = pathOf(key);
      try {
        const [body, info] = await Promise.all([readFile(path), stat(path)]);
        return { body, lastModified: info.mtime };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw fail(error, 'get', key);
      }
    },

    async read(key) {
      const path = pathOf(key);
      let file: FileHandle;
      try {
        file = await open(path, 'r');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw fail(error, 'read', key);
      }
      const info = await file.stat();
      if (!info.isFile()) {
        await file.close();
        return undefined;
      }
      return fileSource(file, info.size, (error) => fail(error, 'read', key));
    },

    async head(key) {
      const path = pathOf(key);
      try {
        const info = await stat(path, { bigint: true });
        return info.isFile() ? storedObject(key, info) : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw fail(error, 'head', key);
      }
    },

    async *list(prefix, listOptions = {}) {
      assertSafePrefix(prefix);
      const { startAfter, signal } = listOptions;
      // Depth first over directories sorted as their keys sort: a directory `a` stands for keys
      // `a/...`, so it sorts as "a/" (after `a-b`, before `a0`).
      async function* walk(dir: string, keyPrefix: string): AsyncGenerator<StoredObject> {
        let entries: Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          // A missing subtree lists as empty, and so does a root still to be created; a root that
          // vanished or whose parent is missing (an unmounted volume) must not.
          if ((codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') && dir !== root) return;
          if (codeOf(error) === 'ENOENT' && dir === root && (await rootCreatable())) return;
          throw fail(error, dir === root ? 'check' : 'list', keyPrefix);
        }
        const named = entries
          .filter((entry) => entry.isFile() || entry.isDirectory())
          .filter((entry) => !(keyPrefix === '' && entry.name === UPLOADS))
          .map((entry) => ({ entry, key: keyPrefix + entry.name + (entry.isDirectory() ? '/' : '') }))
          .sort((a, b) => compareKeys(a.key, b.key));
        for (const { entry, key } of named) {
          if (signal?.aborted) throw new AbortedError('list stopped before completion');
          // Prune: a subtree whose keys cannot start with `prefix`, or all sort at or before `startAfter`.
          if (!(key.startsWith(prefix) || prefix.startsWith(key))) continue;
          if (startAfter !== undefined && compareKeys(key, startAfter) <= 0 && !(entry.isDirectory() && startAfter.startsWith(key))) continue;
          if (entry.isDirectory()) {
            yield* walk(join(dir, entry.name), key);
          } else {
            if (!key.startsWith(prefix)) continue;
            let info;
            try {
              info = await stat(join(dir, entry.name), { bigint: true });
            } catch (error) {
              if (codeOf(error) === 'ENOENT') continue; // deleted while we walked
              throw fail(error, 'list', key);
            }
            yield storedObject(key, info);
          }
        }
      }
      // Straight to the directory the prefix names in full (`records/{id}/`): reading and sorting
      // the root's and `records/`'s entries to list one instance's records made a pass over N
      // instances cost N². The root is looked at as reading it would: missing is not empty.
      const start = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      if (start === '') return yield* walk(root, '');
      if (start.startsWith(`${UPLOADS}/`)) return;
      try {
        if (!(await stat(root)).isDirectory()) throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
      } catch (error) {
        if (codeOf(error) === 'ENOENT' && (await rootCreatable())) return;
        throw fail(error, 'check', '');
      }
      yield* walk(join(root, ...start.split('/').slice(0, -1)), start);
    },

    async delete(key) {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        if (isMissing(error)) return;
        throw fail(error, 'delete', key);
      }
    },

    async listPendingUploads(prefix) {
      assertSafePrefix(prefix);
      return (await pendingUploads()).filter((upload) => upload.key.startsWith(prefix));
    },

    async abortPendingUpload(upload) {
      // The id names files in the upload area; it must not reach outside it.
      if (!/^[A-Za-z0-9-]+$/.test(upload.id)) {
        throw new ArchiveError('store', 'file', 'unsafe-key', `refusing pending upload id ${JSON.stringify(upload.id)}`);
      }
      try {
        await Promise.all([removeIfPresent(join(uploads, upload.id)), removeIfPresent(join(uploads, upload.id + KEY_SUFFIX))]);
      } catch (error) {
        throw fail(error, 'abort upload', upload.key);
      }
    },

    async close() {},
  };
}

/** A promise that only ever rejects, when `signal` aborts: raced against reads that may never end. */
function rejectOnAbort(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<never>((_, reject) => {
    if (!signal) return;
    const onAbort = () => reject(new AbortedError('upload stopped before completion'));
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  promise.catch(() => undefined); // nobody may be racing it when it fires
  return { promise, dispose };
}

/** Marks an error that came from the body being uploaded, not from the file system. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

/** A write may be short (a full disk, a signal); what it did not take is written again. */
async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.byteLength; ) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

async function writeFileSynced(path: string, content: string): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes a rename durable: the new directory entry is on disk, not only the file's bytes. */
async function syncDirectory(path: string): Promise<void> {
  let dir: FileHandle | undefined;
  try {
    dir = await open(path, 'r');
    await dir.sync();
  } catch {
    // Some file systems (network mounts) refuse fsync on a directory; the rename still happened.
  } finally {
    await dir?.close();
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
}

/** A file's version: a new inode for every atomic write, and its modification time to the nanosecond. */
function versionOf(info: BigIntStats): string {
  return `${info.ino}-${info.mtimeNs}`;
}

function storedObject(key: string, info: BigIntStats): StoredObject {
  return { key, size: Number(info.size), lastModified: new Date(Number(info.mtimeMs)), version: versionOf(info) };
}

