import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import type { ValidateFunction } from 'ajv';
import { PROJECT_ROOT } from '../../project-root';
import { KUBERNETES_FORMATS, RE2_PATTERNS } from './formats';

/**
 * Compiled CRD validators kept on disk, as ajv's standalone code, one file per key: a
 * cache (node_modules/.cache, like tsc's build info), so a wrong or missing file costs one
 * compile. Its content depends only on the key (the schema, ajv's version and options).
 */
const DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'istio-cdk8s', 'crd-validators');

/**
 * What the generated code requires besides ajv's own runtime: the server's formats and
 * pattern engine, from this process (they are code of ours, not files a cached module
 * could require by path from the bundle and the sources alike).
 */
export const CHECK_RUNTIME = 'istio-cdk8s/check-runtime';
const RUNTIME = { KUBERNETES_FORMATS, RE2_PATTERNS };

/** Resolves ajv's runtime helpers (`ajv/dist/runtime/…`) as ajv itself would. */
const requireFromAjv = createRequire(require.resolve('ajv'));

function fileOf(key: string): string {
  return path.join(DIR, `${key}.js`);
}

/** The validator stored under `key`, if a readable one is there. */
export function loadCachedValidator(key: string): ValidateFunction | undefined {
  let code: string;
  try {
    code = fs.readFileSync(fileOf(key), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const module = { exports: {} as { default?: ValidateFunction } };
    const load = new Function('require', 'module', 'exports', code) as (req: (id: string) => unknown, m: typeof module, e: object) => void;
    load(id => (id === CHECK_RUNTIME ? RUNTIME : requireFromAjv(id)), module, module.exports);
    const validate = typeof module.exports.default === 'function' ? module.exports.default : module.exports;
    return typeof validate === 'function' ? validate as ValidateFunction : undefined;
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
