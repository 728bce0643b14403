import { celEnv, CelEnv, CelScalar } from '@bufbuild/cel';
import { KUBERNETES_CEL_FUNCTIONS, KUBERNETES_CEL_RE2, KUBERNETES_CEL_REGISTRY } from './library';

let environment: CelEnv | undefined;

/**
 * The environment CRD validation rules run in: CEL's standard library and the libraries a
 * Kubernetes 1.33 API server adds (./library), with `self` bound per rule. `oldSelf`
 * never is: transition rules do not apply on create, and are skipped before they run.
 */
export function ruleEnvironment(): CelEnv {
  environment ??= celEnv({ variables: { self: CelScalar.DYN }, funcs: [...KUBERNETES_CEL_FUNCTIONS], registry: KUBERNETES_CEL_REGISTRY, re2: KUBERNETES_CEL_RE2 });
  return environment;
}

/** Every function name a rule may call in this environment (qualified ones as `sets.contains`). */
export function knownFunctionNames(env: CelEnv): ReadonlySet<string> {
  const names = new Set<string>();
  for (const f of env.funcs) names.add(f.name);
  return names;
}
