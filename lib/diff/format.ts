import { ObjectDiff } from './compare';
import { FolderDiff, isIdentical } from './folders';
import { buildReport, plural, ReportObject, ReportOptions } from './report';
import type { Comparison } from './targets';
import { upgradeText } from './upgrade/text';
import { authorizationText } from './authorization';

/** How the plain-text report is laid out: the report's own options. */
export type FormatOptions = ReportOptions;

const MARK: { readonly [kind in ObjectDiff['kind']]: string } = { added: '+', removed: '-', changed: '~', moved: '>' };

function formatObject({ object: o, lines, more }: ReportObject): string[] {
  const moved = o.movedFrom ? ` (moved from ${o.movedFrom}: apply order changed)` : '';
  const out = [`  ${MARK[o.kind]} ${o.ref}${o.kind === 'added' || o.kind === 'removed' ? ` (${o.kind})` : ''}${moved}`];
  for (const line of lines) out.push(`      ${line}`);
  if (more) out.push(`      … and ${more} more`);
  return out;
}

/**
 * The plain-text report: the summary line, file set changes, the upgrade sections when
 * the sides are different Istio versions (upgrade/text.ts), who may call whom when that
 * changed (authorization.ts), changes common to several
 * objects, then per file the objects that differ (+ added, - removed, ~ changed,
 * > moved) with their field changes.
 */
export function formatDiff(d: FolderDiff, opts: FormatOptions = {}): string[] {
  const report = buildReport(d, opts);
  const lines = [report.summary];
  for (const f of report.filesAdded) lines.push(`file added: ${f}`);
  for (const f of report.filesRemoved) lines.push(`file removed: ${f}`);
  if (d.upgrade) lines.push('', ...upgradeText(d.upgrade));
  if (d.authorization) lines.push('', ...authorizationText(d.authorization));
  if (report.common.length) {
    lines.push('', 'changes common to several objects (listed once, left out below):');
    for (const c of report.common) lines.push(`      ${c.line}  (${plural(c.objects, 'object')})`);
  }
  for (const file of report.files) {
    // Files added or removed without objects to show are named above already.
    if (!file.objects.length && !file.onlyCommon && !file.note) continue;
    lines.push('', file.file);
    for (const o of file.objects) lines.push(...formatObject(o));
    if (file.onlyCommon) lines.push(`  ~ ${plural(file.onlyCommon, 'more object')} with only the common changes above`);
    if (file.note) {
      lines.push(file.note === 'formatting only'
        ? '  (formatting only: same objects, different bytes)'
        : '  (objects reordered within the file)');
    }
  }
  return lines;
}

/**
 * The whole plain-text output of `npm run diff`: a `diff:` line naming what was compared
 * and the verdict, then the report when there are differences.
 */
export function formatComparison(c: Comparison, opts: FormatOptions = {}): string[] {
  const objects = plural(c.diff.objectsAfter, 'object');
  if (isIdentical(c.diff)) {
    return [c.fresh ? `diff: ${c.before} is up to date (${objects})` : `diff: ${c.before} and ${c.after} are identical (${objects})`];
  }
  const head = c.fresh
    ? [`diff: ${c.before} is stale: run \`npm run synth\` and commit dist/`, `(before = ${c.before} on disk, after = fresh synthesis)`]
    : [`diff: ${c.before} → ${c.after}`];
  return [...head, ...formatDiff(c.diff, opts)];
}
