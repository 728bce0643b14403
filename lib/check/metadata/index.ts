// Metadata of every object, checked as the Kubernetes 1.33 API server checks it on create.
export type { FieldProblem } from './field-problem';
export type { MetadataContext } from './object-meta';
export { validateObjectMetadata } from './object-meta';
export type { NameValidator } from './names';
export { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName } from './names';
