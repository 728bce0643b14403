import { Manifest } from '../manifests';
import { allowedOf, Grant, reachability, ReachabilityRow } from '../manifests/reachability';
import { codeSpan } from './markdown-syntax';

// The "authorization" section of a diff: how the reachability matrix (who may call whom,
// lib/manifests/reachability.ts) of each side differs, as sentences a reviewer reads
// instead of AuthorizationPolicy YAML. Nothing when the matrices are the same.

/** One change of who may call a target. */
export interface AuthorizationChange {
  /** `+` a caller (or a denial, a note) added, `-` removed, `~` a caller's operations changed. */
  readonly mark: '+' | '-' | '~';
  /** The sentence: `payments may now be called by shop on port 8080`. */
  readonly text: string;
}

/** The changes of one cluster (undefined: the folders hold one cluster's files). */
export interface ClusterAuthorizationChanges {
  readonly cluster?: string;
  readonly changes: readonly AuthorizationChange[];
}

const ANY_PORT = 'any port';

/** A caller's operations as one text: `any port` when one of them is unrestricted. */
function operationsText(ops: readonly string[]): string {
  return ops.includes(ANY_PORT) ? ANY_PORT : ops.join('; ');
}

function byCaller(grants: readonly Grant[]): Map<string, string> {
  const m = new Map<string, string[]>();
  for (const g of grants) m.set(g.caller, [...(m.get(g.caller) ?? []), g.operation]);
  return new Map([...m].map(([caller, ops]) => [caller, operationsText(ops)]));
}

/** The changes of one target, from its row before and after (either may be missing). */
function targetChanges(target: string, before: ReachabilityRow | undefined, after: ReachabilityRow | undefined): AuthorizationChange[] {
  const out: AuthorizationChange[] = [];
  const a = byCaller(before ? allowedOf(before) : []);
  const b = byCaller(after ? allowedOf(after) : []);
  for (const [caller, ops] of b) {
    const was = a.get(caller);
    if (was === undefined) out.push({ mark: '+', text: `${target} may now be called by ${caller} on ${ops}` });
    else if (was !== ops) out.push({ mark: '~', text: `${target} may now be called by ${caller} on ${ops} (was: ${was})` });
  }
  for (const [caller, ops] of a) if (!b.has(caller)) out.push({ mark: '-', text: `${target} may no longer be called by ${caller} (was: ${ops})` });
  const key = (g: Grant) => `${g.caller} on ${g.operation}`;
  const deniedBefore = new Set((before?.denied ?? []).map(key));
  const deniedAfter = new Set((after?.denied ?? []).map(key));
  for (const d of deniedAfter) if (!deniedBefore.has(d)) out.push({ mark: '+', text: `${target} now denies ${d}` });
  for (const d of deniedBefore) if (!deniedAfter.has(d)) out.push({ mark: '-', text: `${target} no longer denies ${d}` });
  const notesBefore = new Set(before?.notes ?? []);
  const notesAfter = new Set(after?.notes ?? []);
  for (const n of notesAfter) if (!notesBefore.has(n)) out.push({ mark: '+', text: `${target}: ${n}` });
  for (const n of notesBefore) if (!notesAfter.has(n)) out.push({ mark: '-', text: `${target}: ${n}` });
  return out;
}

/** Every change between two matrices, target by target (after's order, then the targets only before has). */
function matrixChanges(before: readonly Manifest[], after: readonly Manifest[]): AuthorizationChange[] {
  const a = new Map(reachability(before).rows.map(r => [r.target, r]));
  const b = new Map(reachability(after).rows.map(r => [r.target, r]));
  const targets = [...b.keys(), ...[...a.keys()].filter(t => !b.has(t))];
  return targets.flatMap(t => targetChanges(t, a.get(t), b.get(t)));
}

/** The cluster a manifest file belongs to: `<cluster>/<file>` in a fleet's output, none otherwise. */
function clusterOf(file: string): string | undefined {
  const slash = file.indexOf('/');
  return slash < 0 ? undefined : file.slice(0, slash);
}

/**
 * How who may call whom changed between two sides, cluster by cluster (each cluster's
 * matrix from its own files); undefined when it did not.
 */
export function authorizationChanges(before: readonly Manifest[], after: readonly Manifest[]): ClusterAuthorizationChanges[] | undefined {
  const clusters = [...new Set([...after, ...before].map(m => clusterOf(m.file)))];
  const out: ClusterAuthorizationChanges[] = [];
  for (const cluster of clusters) {
    const of = (ms: readonly Manifest[]) => ms.filter(m => clusterOf(m.file) === cluster);
    const changes = matrixChanges(of(before), of(after));
    if (changes.length) out.push({ ...(cluster === undefined ? {} : { cluster }), changes });
  }
  return out.length ? out : undefined;
}

const HEADING = 'authorization (who may call whom, from the AuthorizationPolicies; npm run check -- --authz prints it all):';

/** The section in plain text: `+ payments may now be called by shop on port 8080`, a block per cluster in a fleet. */
export function authorizationText(changes: readonly ClusterAuthorizationChanges[]): string[] {
  const out = [HEADING];
  for (const c of changes) {
    const indent = c.cluster === undefined ? '  ' : '    ';
    if (c.cluster !== undefined) out.push(`  cluster ${c.cluster}:`);
    for (const change of c.changes) out.push(`${indent}${change.mark} ${change.text}`);
  }
  return out;
}

/** The section in Markdown: a heading, then one list item per change (in a code span: names come from manifests). */
export function authorizationMarkdown(changes: readonly ClusterAuthorizationChanges[]): string[] {
  const out = ['#### Authorization', '', 'Who may call whom, from the AuthorizationPolicies of each side (`npm run check -- --authz` prints the whole matrix):', ''];
  for (const c of changes) {
    const indent = c.cluster === undefined ? '' : '  ';
    if (c.cluster !== undefined) out.push(`- cluster ${codeSpan(c.cluster)}`);
    for (const change of c.changes) out.push(`${indent}- ${codeSpan(`${change.mark} ${change.text}`)}`);
  }
  return out;
}
