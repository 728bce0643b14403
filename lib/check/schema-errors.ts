import type { ErrorObject } from 'ajv';

/** One ajv error as `at /spec/replicas: must be integer`, with the detail ajv keeps in params. */
export function formatSchemaError(e: ErrorObject): string {
  const where = e.instancePath || '/';
  const params = e.params as { allowedValues?: unknown; additionalProperty?: string };
  let what = e.message ?? e.keyword;
  if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) what += ` (${params.allowedValues.map(v => JSON.stringify(v)).join(', ')})`;
  if (e.keyword === 'additionalProperties' && params.additionalProperty !== undefined) what = `unknown field ${JSON.stringify(params.additionalProperty)}`;
  return `at ${where}: ${what}`;
}

/** Formats ajv errors, one string each, without the repeats that nested anyOf branches produce. */
export function formatSchemaErrors(errors: readonly ErrorObject[]): string[] {
  return [...new Set(errors.map(formatSchemaError))];
}
