import { ObjectDiff } from './compare';
import { FieldChange } from './fields';
import { FolderDiff } from './folders';

/** How a report is laid out. */
export interface FormatOptions {
  /** At most this many field paths per object, then `… and N more`. @default 20 */
  readonly maxPaths?: number;
  /** A field change made to at least this many objects is listed once, not per object. @default 3 */
  readonly commonAt?: number;
}

/** Longest string shown as a value; longer ones only say that they changed. */
const SHORT_STRING = 80;

function isShort(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'boolean'
    || (typeof v === 'string' && v.length <= SHORT_STRING && !v.includes('\n'));
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** `+3 −1 lines`: enough to size a change to an embedded config (mesh config, injection template). */
function lineDelta(before: string, after: string): string {
  const remaining = new Map<string, number>();
  for (const line of before.split('\n')) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of after.split('\n')) {
    const n = remaining.get(line) ?? 0;
    if (n > 0) remaining.set(line, n - 1);
    else added++;
  }
  const removed = [...remaining.values()].reduce((sum, n) => sum + n, 0);
  return `+${added} −${removed} lines`;
}

/** One line per field change: short values in full, long values and subtrees by path only. */
export function formatField(f: FieldChange): string {
  if (f.summarises) return `${f.path}: (changed, ${f.summarises} fields)`;
  switch (f.kind) {
    case 'reordered':
      return `${f.path}: (reordered)`;
    case 'added':
      return isShort(f.after) ? `${f.path}: (added) ${show(f.after)}` : `${f.path}: (added)`;
    case 'removed':
      return isShort(f.before) ? `${f.path}: (removed) ${show(f.before)}` : `${f.path}: (removed)`;
    case 'changed':
      if (isShort(f.before) && isShort(f.after)) return `${f.path}: ${show(f.before)} → ${show(f.after)}`;
      if (typeof f.before === 'string' && typeof f.after === 'string' && (f.before + f.after).includes('\n')) {
        return `${f.path}: (changed, ${lineDelta(f.before, f.after)})`;
      }
      return `${f.path}: (changed)`;
  }
}

const MARK: { readonly [kind in ObjectDiff['kind']]: string } = { added: '+', removed: '-', changed: '~', moved: '>' };

function formatObject(o: ObjectDiff, fields: readonly string[], maxPaths: number): string[] {
  const moved = o.movedFrom ? ` (moved from ${o.movedFrom}: apply order changed)` : '';
  const lines = [`  ${MARK[o.kind]} ${o.ref}${o.kind === 'added' || o.kind === 'removed' ? ` (${o.kind})` : ''}${moved}`];
  for (const f of fields.slice(0, maxPaths)) lines.push(`      ${f}`);
  if (fields.length > maxPaths) lines.push(`      … and ${fields.length - maxPaths} more`);
  return lines;
}

/**
 * Field changes (path and values alike) made to `commonAt` or more objects: an upgrade
 * relabels every object (`app.kubernetes.io/version`, `helm.sh/chart`), which would
 * otherwise bury the changes that matter under the same two lines per object.
 */
function commonChanges(objects: readonly ObjectDiff[], commonAt: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of objects) {
    for (const line of new Set(o.fields.map(formatField))) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return new Map([...counts].filter(([, n]) => n >= commonAt));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line counting what changed, e.g. `2 changed, 1 added, 0 removed, 1 moved; files: +1 -0`. */
export function summaryLine(d: FolderDiff): string {
  const count = (kind: ObjectDiff['kind']) => d.objects.filter(o => o.kind === kind).length;
  const parts = [
    `${count('changed')} changed`, `${count('added')} added`, `${count('removed')} removed`, `${count('moved')} moved`,
  ];
  const files = d.filesAdded.length || d.filesRemoved.length ? `; files: +${d.filesAdded.length} -${d.filesRemoved.length}` : '';
  const notes = d.fileNotes.length ? `; ${plural(d.fileNotes.length, 'file')} with byte-only changes` : '';
  return `objects: ${parts.join(', ')} (${d.objectsBefore} before, ${d.objectsAfter} after)${files}${notes}`;
}

/**
 * The human-readable report: the summary line, file set changes, then per file the
 * objects that differ (+ added, - removed, ~ changed, > moved) with their field paths.
 */
export function formatDiff(d: FolderDiff, opts: FormatOptions = {}): string[] {
  const maxPaths = opts.maxPaths ?? 20;
  const lines = [summaryLine(d)];
  for (const f of d.filesAdded) lines.push(`file added: ${f}`);
  for (const f of d.filesRemoved) lines.push(`file removed: ${f}`);
  const common = commonChanges(d.objects, opts.commonAt ?? 3);
  if (common.size) {
    lines.push('', 'changes common to several objects (listed once, left out below):');
    for (const [line, n] of common) lines.push(`      ${line}  (${plural(n, 'object')})`);
  }
  const files = [...new Set([...d.objects.map(o => o.file), ...d.fileNotes.map(n => n.file)])].sort();
  for (const file of files) {
    lines.push('', file);
    let onlyCommon = 0;
    for (const o of d.objects.filter(x => x.file === file)) {
      const fields = o.fields.map(formatField).filter(line => !common.has(line));
      if (o.kind === 'changed' && fields.length === 0) onlyCommon++;
      else lines.push(...formatObject(o, fields, maxPaths));
    }
    if (onlyCommon) lines.push(`  ~ ${plural(onlyCommon, 'more object')} with only the common changes above`);
    for (const n of d.fileNotes.filter(x => x.file === file)) {
      lines.push(n.kind === 'formatting only'
        ? '  (formatting only: same objects, different bytes)'
        : '  (objects reordered within the file)');
    }
  }
  return lines;
}
