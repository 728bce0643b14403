import { CelEnv, CelResult, parse, plan } from '@bufbuild/cel';
import { knownFunctionNames, ruleEnvironment } from './environment';

/** A node of a parsed rule. */
type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

/** A rule ready to run: call it with the value of `self`. */
export type RuleProgram = (self: unknown) => CelResult;

/** What compiling a rule gives. */
export type CompiledRule =
  | { readonly kind: 'program'; readonly program: RuleProgram }
  /** A transition rule (it reads oldSelf): it applies to updates only. */
  | { readonly kind: 'transition' }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** Calls the planner resolves itself, which the function list does not hold. */
const SPECIAL_FORMS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '@in', '!_', '-_']);

// Keyed by the rule's text: the same rule in several versions of a CRD, or in several CRDs
// (Gateway API repeats its reference rules), compiles once per process.
const cache = new Map<string, CompiledRule>();

/** What a rule's syntax tree references: function calls and whether it reads oldSelf. */
interface References {
  readonly calls: Set<string>;
  usesOldSelf: boolean;
}

function collect(e: Expr | undefined, refs: References): void {
  const kind = e?.exprKind;
  if (!kind) return;
  switch (kind.case) {
    case 'identExpr':
      if (kind.value.name === 'oldSelf') refs.usesOldSelf = true;
      break;
    case 'selectExpr':
      collect(kind.value.operand, refs);
      break;
    case 'callExpr': {
      const target = kind.value.target;
      // `sets.contains(a, b)` parses as a call of contains on the identifier `sets`.
      const qualified = target?.exprKind.case === 'identExpr' ? `${target.exprKind.value.name}.${kind.value.function}` : undefined;
      refs.calls.add(qualified ? `${kind.value.function}\u0000${qualified}` : kind.value.function);
      collect(target, refs);
      kind.value.args.forEach(a => collect(a, refs));
      break;
    }
    case 'listExpr':
      kind.value.elements.forEach(a => collect(a, refs));
      break;
    case 'structExpr':
      kind.value.entries.forEach(entry => {
        if (entry.keyKind.case === 'mapKey') collect(entry.keyKind.value, refs);
        collect(entry.value, refs);
      });
      break;
    case 'comprehensionExpr':
      for (const part of [kind.value.iterRange, kind.value.accuInit, kind.value.loopCondition, kind.value.loopStep, kind.value.result]) collect(part, refs);
      break;
    default:
      break;
  }
}

/** The functions a rule calls that the environment lacks (a qualified call is known under either name). */
function missingFunctions(calls: ReadonlySet<string>, env: CelEnv): string[] {
  const known = knownFunctionNames(env);
  const missing: string[] = [];
  for (const call of calls) {
    const [name, qualified] = call.split('\u0000');
    if (SPECIAL_FORMS.has(name) || known.has(name) || (qualified !== undefined && known.has(qualified))) continue;
    missing.push(name);
  }
  return missing;
}

/**
 * Compiles a rule once: parses it, and refuses it when it calls a function this evaluator
 * lacks — it would otherwise fail only when reached, or pass where the server refuses.
 */
export function compileRule(rule: string): CompiledRule {
  const cached = cache.get(rule);
  if (cached) return cached;
  const env = ruleEnvironment();
  let compiled: CompiledRule;
  try {
    const parsed = parse(rule);
    const refs: References = { calls: new Set(), usesOldSelf: false };
    collect(parsed.expr, refs);
    const missing = missingFunctions(refs.calls, env);
    if (refs.usesOldSelf) {
      compiled = { kind: 'transition' };
    } else if (missing.length) {
      compiled = { kind: 'unsupported', reason: `it calls ${missing.map(m => `${m}()`).join(', ')}, which this evaluator does not have` };
    } else {
      const run = plan(env, parsed);
      compiled = { kind: 'program', program: self => run({ self: self as never }) };
    }
  } catch (err) {
    compiled = { kind: 'unsupported', reason: `it does not compile here: ${(err as Error).message}` };
  }
  cache.set(rule, compiled);
  return compiled;
}
