import { ObjectChangeKind } from './compare';
import { isIdentical } from './folders';
import { buildReport, plural, ReportFile, ReportObject, ReportOptions } from './report';
import type { Comparison } from './targets';
import { cell, codeSpan } from './markdown-syntax';
import { upgradeMarkdown } from './upgrade/markdown';
import { authorizationMarkdown } from './authorization';

export { codeSpan };

const KIND_ORDER: readonly ObjectChangeKind[] = ['changed', 'added', 'removed', 'moved'];

function countsText(c: { readonly [kind in ObjectChangeKind]: number }): string {
  return KIND_ORDER.map(kind => `${c[kind]} ${kind}`).join(', ');
}

function fileCell(f: ReportFile): string {
  const status = f.status === 'added' ? ' (new file)' : f.status === 'removed' ? ' (file removed)' : '';
  const note = f.note ? ` (${f.note})` : '';
  return `${cell(codeSpan(f.file))}${status}${note}`;
}

function objectLines({ object: o, lines, more }: ReportObject): string[] {
  const moved = o.movedFrom ? `, moved from ${codeSpan(o.movedFrom)} (apply order changed)` : '';
  const out = [`- **${o.kind}** ${codeSpan(o.ref)}${moved}`];
  for (const line of lines) out.push(`  - ${codeSpan(line)}`);
  if (more) out.push(`  - … and ${more} more`);
  return out;
}

function fileSection(f: ReportFile): string[] {
  const out = ['', `#### ${codeSpan(f.file)}${f.status === 'added' ? ' (new file)' : f.status === 'removed' ? ' (file removed)' : ''}`, ''];
  for (const o of f.objects) out.push(...objectLines(o));
  if (f.onlyCommon) out.push(`- ${plural(f.onlyCommon, 'more object')} with only the common changes above`);
  if (f.note === 'formatting only') out.push('- formatting only: same objects, different bytes');
  if (f.note === 'objects reordered') out.push('- objects reordered within the file');
  // A file that was added or removed with nothing to show for it still has its heading.
  if (out.length === 3) out.push('- no objects');
  return out;
}

/**
 * The output of `npm run diff -- --markdown`, for a pull-request comment: a heading with
 * the counts, what was compared, a table of the files, the upgrade sections when the
 * sides are different Istio versions (upgrade/markdown.ts), who may call whom when that
 * changed (authorization.ts), the changes common to
 * several objects (once), then per file its objects and their field changes. Every name and value
 * is in a code span, so nothing in a manifest is read as Markdown.
 */
export function formatMarkdown(c: Comparison, opts: ReportOptions = {}): string[] {
  const compared = c.fresh
    ? `${codeSpan(c.before)} (before) against a fresh synthesis (after)`
    : `${codeSpan(c.before)} → ${codeSpan(c.after)}`;
  if (isIdentical(c.diff)) {
    const verdict = c.fresh ? `${codeSpan(c.before)} is up to date` : `${codeSpan(c.before)} and ${codeSpan(c.after)} are identical`;
    return ['### diff: no changes', '', `${verdict} (${plural(c.diff.objectsAfter, 'object')}).`];
  }
  const report = buildReport(c.diff, opts);
  const files = report.filesAdded.length || report.filesRemoved.length
    ? `; files: ${report.filesAdded.length} added, ${report.filesRemoved.length} removed`
    : '';
  const lines = [
    `### diff: ${countsText(report.counts)}`,
    '',
    `${compared}: ${c.diff.objectsBefore} objects before, ${c.diff.objectsAfter} after${files}.`,
  ];
  if (c.fresh) lines.push('', '**dist/ is stale**: run `npm run synth` and commit `dist/`.');

  lines.push('', '| file | changed | added | removed | moved |', '|---|--:|--:|--:|--:|');
  for (const f of report.files) {
    lines.push(`| ${fileCell(f)} | ${KIND_ORDER.map(kind => f.counts[kind]).join(' | ')} |`);
  }
  if (c.diff.upgrade) lines.push('', ...upgradeMarkdown(c.diff.upgrade));
  if (c.diff.authorization) lines.push('', ...authorizationMarkdown(c.diff.authorization));

  if (report.common.length) {
    lines.push('', 'Changes common to several objects (listed once, left out below):', '', '| change | objects |', '|---|--:|');
    for (const common of report.common) lines.push(`| ${cell(codeSpan(common.line))} | ${common.objects} |`);
  }
  for (const f of report.files) lines.push(...fileSection(f));
  return lines;
}
