import { celEnv, CelEnv, CelScalar, isCelError, parse, plan } from '@bufbuild/cel';
import { KUBERNETES_CEL_FUNCTIONS, KUBERNETES_CEL_RE2, KUBERNETES_CEL_REGISTRY } from './cel/library';
import { CelValues } from './cel/values';

// How kustomize-controller judges an object by a Kustomization's healthCheckExprs (its
// docs, "Health check expressions"; Flux RFC-0009): the expressions see the object's
// top-level fields (`status`, `metadata`, …) as variables; `inProgress`, then `failed`,
// then `current` are evaluated, and the first that is true decides. An expression that
// cannot be evaluated, such as one reading a field the object does not have yet, leaves
// the object waiting (until the Kustomization's timeout, then a retry): never Current.

/** One healthCheckExprs entry's expressions. */
export interface HealthExpressions {
  readonly inProgress?: string;
  readonly failed?: string;
  readonly current: string;
}

/** What kustomize-controller makes of an object by the expressions. */
export type ExprStatus = 'InProgress' | 'Failed' | 'Current' | 'waiting';

/** The top-level fields of the objects the expressions may read. */
const VARIABLES = ['apiVersion', 'kind', 'metadata', 'spec', 'status', 'data', 'type'] as const;

let environment: CelEnv | undefined;
function healthEnvironment(): CelEnv {
  environment ??= celEnv({
    variables: Object.fromEntries(VARIABLES.map(v => [v, CelScalar.DYN])),
    funcs: [...KUBERNETES_CEL_FUNCTIONS],
    registry: KUBERNETES_CEL_REGISTRY,
    re2: KUBERNETES_CEL_RE2,
  });
  return environment;
}

/** Whether an expression is true of an object: undefined when it does not parse or cannot be evaluated on it. */
function holds(expression: string, object: { readonly [key: string]: unknown }): boolean | undefined {
  let run: ReturnType<typeof plan>;
  try {
    run = plan(healthEnvironment(), parse(expression));
  } catch {
    return undefined;
  }
  const values = new CelValues();
  const bindings: Record<string, unknown> = {};
  for (const v of VARIABLES) if (object[v] !== undefined && object[v] !== null) bindings[v] = values.of(undefined, object[v] as never);
  try {
    const result = run(bindings as never);
    return isCelError(result) ? undefined : result === true;
  } catch {
    return undefined;
  }
}

/** Whether an expression parses in the health check environment. */
export function parsesAsHealthExpression(expression: string): boolean {
  try {
    plan(healthEnvironment(), parse(expression));
    return true;
  } catch {
    return false;
  }
}

/** The status kustomize-controller gives an object by a healthCheckExprs entry. */
export function exprStatus(e: HealthExpressions, object: { readonly [key: string]: unknown }): ExprStatus {
  if (e.inProgress !== undefined && holds(e.inProgress, object)) return 'InProgress';
  if (e.failed !== undefined && holds(e.failed, object)) return 'Failed';
  const current = holds(e.current, object);
  if (current === undefined) return 'waiting';
  return current ? 'Current' : 'InProgress';
}
