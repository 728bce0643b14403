// The settings of one cluster's mesh: types (what main.ts writes), defaults, validation
// (validate.ts) and resolution (resolve.ts).
export * from './types';
export * from './defaults';
export { resolveSettings } from './resolve';
