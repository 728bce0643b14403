import * as fs from 'fs';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { PROJECT_ROOT } from '../../project-root';

/**
 * Compiled CRD validators kept on disk, as ajv's standalone code, one file per key: a
 * cache (node_modules/.cache, like tsc's build info), so a wrong or missing file costs one
 * compile. Its content depends only on the key (the schema, ajv's version and options).
 */
const DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'istio-cdk8s', 'crd-validators');

function fileOf(key: string): string {
  return path.join(DIR, `${key}.js`);
}

/** The validator stored under `key`, if a readable one is there. */
export function loadCachedValidator(key: string): ValidateFunction | undefined {
  const file = fileOf(key);
  if (!fs.existsSync(file)) return undefined;
  try {
    const loaded = require(file) as { default?: ValidateFunction } & ValidateFunction;
    const validate = typeof loaded.default === 'function' ? loaded.default : loaded;
    return typeof validate === 'function' ? validate : undefined;
  } catch {
    return undefined;
  }
}

/** Stores a validator's code under `key`; written to a temporary file and renamed, so no reader sees half a file. */
export function storeCachedValidator(key: string, code: () => string): void {
  try {
    fs.mkdirSync(DIR, { recursive: true });
    const temp = `${fileOf(key)}.${process.pid}.tmp`;
    fs.writeFileSync(temp, code());
    fs.renameSync(temp, fileOf(key));
  } catch {
    // Only a cache: the next process compiles again.
  }
}
