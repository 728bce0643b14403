// The settings of one cluster's mesh: types (what main.ts writes), defaults, validation.
export * from './types';
export * from './defaults';
export { resolveSettings } from './validate';
