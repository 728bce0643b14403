import { isCelError } from '@bufbuild/cel';
import { FieldError, FieldPath } from '../field-error';
import { additionalPropertiesOf, isJsonObject, JsonValue, SchemaNode, ValidationRule } from '../schema/structural';
import { compileRule } from './program';
import { CelValues } from './values';

/** A rule this evaluator cannot run, where it would run: check fails rather than pass it. */
export interface UnsupportedRule {
  /** Where the rule sits in the object. */
  readonly path: string;
  /** The rule's text. */
  readonly rule: string;
  /** Why it cannot be run. */
  readonly reason: string;
}

/** What evaluating an object's rules found. */
export interface RuleResults {
  /** Rules that failed, or could not be evaluated on this object (the server refuses both). */
  readonly errors: readonly FieldError[];
  /** Rules this evaluator cannot run. */
  readonly unsupported: readonly UnsupportedRule[];
}

/**
 * Evaluates every x-kubernetes-validations rule of a schema against an object (already
 * defaulted), as the API server's CEL validator does on create: each rule with `self` bound
 * at the node that carries it, rules under items and additionalProperties once per element
 * and value, no rule of an absent or null field, transition rules (oldSelf) skipped.
 */
export function evaluateRules(schema: SchemaNode, object: JsonValue): RuleResults {
  const errors: FieldError[] = [];
  const unsupported: UnsupportedRule[] = [];
  const values = new CelValues();
  const visit = (node: SchemaNode, value: JsonValue | undefined, path: FieldPath, isResource: boolean): void => {
    if (value === undefined || value === null) return;
    for (const rule of node['x-kubernetes-validations'] ?? []) {
      const found = evaluate(rule, node, values.of(node, value, isResource), path);
      if (found && 'rule' in found) unsupported.push(found);
      else if (found) errors.push(found);
    }
    if (Array.isArray(value)) {
      if (node.items) value.forEach((item, i) => visit(node.items!, item, path.index(i), false));
    } else if (isJsonObject(value)) {
      const mapValues = additionalPropertiesOf(node);
      for (const [k, v] of Object.entries(value)) {
        const prop = node.properties?.[k];
        if (prop) visit(prop, v, path.child(k), prop['x-kubernetes-embedded-resource'] === true);
        else if (mapValues) visit(mapValues, v, path.key(k), mapValues['x-kubernetes-embedded-resource'] === true);
      }
    }
  };
  visit(schema, object, FieldPath.ROOT, true);
  return { errors, unsupported };
}

/** The rule's own message, or the server's default for a rule without one. */
function messageOf(rule: ValidationRule): string {
  return rule.message?.trim() || `failed rule: ${rule.rule.trim()}`;
}

/** The rule's text as the server quotes it in evaluation errors (its message when it has one). */
function ruleErrorString(rule: ValidationRule): string {
  return rule.message?.trim() || rule.rule.trim();
}

/** fieldPath (`.spec.x`, `['a.b']`, `[0]`) below the node's own path. */
function reportedAt(path: FieldPath, fieldPath: string | undefined): string {
  if (!fieldPath) return path.text;
  const relative = fieldPath.startsWith('.') ? fieldPath.slice(1) : fieldPath;
  if (!path.text) return relative;
  return relative.startsWith('[') ? `${path.text}${relative}` : `${path.text}.${relative}`;
}

/** The schema type the server names in a rule's error ("object", "string", …). */
function typeName(node: SchemaNode): string {
  return typeof node.type === 'string' ? node.type : 'object';
}

function evaluate(rule: ValidationRule, node: SchemaNode, self: unknown, path: FieldPath): FieldError | UnsupportedRule | undefined {
  if (rule.optionalOldSelf) return { path: path.text, rule: rule.rule, reason: 'optionalOldSelf rules run on create with an absent oldSelf, which needs optional types' };
  const compiled = compileRule(rule.rule);
  if (compiled.kind === 'transition') return undefined;
  if (compiled.kind === 'unsupported') return { path: path.text, rule: rule.rule, reason: compiled.reason };
  const result = compiled.program(self);
  const value = typeName(node);
  if (isCelError(result)) {
    return { path: path.text, type: 'Invalid', value, detail: `${result.message} evaluating rule: ${ruleErrorString(rule)}` };
  }
  if (result === true) return undefined;
  if (typeof result !== 'boolean') return { path: path.text, type: 'Invalid', value, detail: `rule did not evaluate to a bool: ${ruleErrorString(rule)}` };
  const at = reportedAt(path, rule.fieldPath);
  const detail = messageExpressionOf(rule, self) ?? messageOf(rule);
  switch (rule.reason) {
    case 'FieldValueForbidden': return { path: at, type: 'Forbidden', detail };
    case 'FieldValueRequired': return { path: at, type: 'Required', detail };
    case 'FieldValueDuplicate': return { path: at, type: 'Duplicate', value };
    default: return { path: at, type: 'Invalid', value, detail };
  }
}

/**
 * The message a messageExpression computes; undefined when there is none or it fails or is
 * empty, where the server falls back to `message` too.
 */
function messageExpressionOf(rule: ValidationRule, self: unknown): string | undefined {
  if (!rule.messageExpression) return undefined;
  const compiled = compileRule(rule.messageExpression);
  if (compiled.kind !== 'program') return undefined;
  const result = compiled.program(self);
  if (typeof result !== 'string' || result.trim() === '' || result.includes('\n')) return undefined;
  return result.trim();
}
