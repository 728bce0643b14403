// Reading manifest folders, and what check, diff, synth and apply all need to know about
// manifests. Nothing here imports the generator (docs/design.md, decision 9).
export * from './read';
export * from './folder';
export * from './pod-templates';
export * from './api-version';
export * from './identity';
export * from './tolerations';
export * from './cluster-scope';
export * from './delivery-folder';
