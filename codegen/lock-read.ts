/**
 * Reads a committed `herald.lock.json` for the gate, refusing files it cannot compare with.
 */
import { readFile } from 'node:fs/promises';
import { LOCK_VERSION, type Lock } from './emit/lock.js';
import { CodegenError, CodegenErrorCode } from './errors.js';

/** The lock at `path`; undefined when the file does not exist. */
export async function readLock(path: string): Promise<Lock | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new CodegenError(CodegenErrorCode.LoadFailed, `cannot read ${path}: ${String(error)}`, {
      hint: 'pass the committed herald.lock.json with --lock',
    });
  }
  return parseLock(text, path);
}

/** Parses lock JSON; throws a {@link CodegenError} naming the file when it is not a lock. */
export function parseLock(text: string, label: string): Lock {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CodegenError(CodegenErrorCode.LoadFailed, `${label} is not JSON: ${String(error)}`, {
      hint: 'restore it from version control, or regenerate it with herald codegen',
    });
  }
  const lock = value as Partial<Lock> | null;
  if ((lock as { lockVersion?: unknown } | null)?.lockVersion === 1) {
    throw new CodegenError(
      CodegenErrorCode.LockOutdated,
      `${label} is a lock of format 1: it holds fingerprints only, not the schemas the gate compares`,
      { hint: 'regenerate it once with herald codegen (format 2); later changes are then checked' },
    );
  }
  if (
    lock?.lockVersion !== LOCK_VERSION ||
    typeof lock.topics !== 'object' ||
    lock.topics === null ||
    Object.values(lock.topics).some(
      (t) =>
        typeof t?.events !== 'object' ||
        Object.values(t.events).some((e) => !Array.isArray(e?.versions)),
    )
  ) {
    throw new CodegenError(
      CodegenErrorCode.LoadFailed,
      `${label} is not a herald lock file of format ${LOCK_VERSION}`,
      {
        hint: 'pass the herald.lock.json written by herald codegen',
      },
    );
  }
  return lock as Lock;
}
