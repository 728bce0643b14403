import { compareStrings, ObjectChangeKind, ObjectDiff } from './compare';
import { formatField } from './field-line';
import { FieldChange } from './fields';
import { FileNoteKind, FolderDiff } from './folders';

/** What a report shows, whatever its layout (plain text or Markdown). */
export interface ReportOptions {
  /** At most this many field lines per object, then `… and N more`. @default 20 */
  readonly maxPaths?: number;
  /** A field change made to at least this many objects is listed once, not per object. @default 3 */
  readonly commonAt?: number;
}

/** A field change made to several objects, listed once. */
export interface CommonChange {
  /** The change as one line (formatField). */
  readonly line: string;
  /** How many objects have it. */
  readonly objects: number;
}

/** One object that has lines of its own to show. */
export interface ReportObject {
  /** The object and what happened to it. */
  readonly object: ObjectDiff;
  /** Its field lines, common changes left out, at most maxPaths of them. */
  readonly lines: readonly string[];
  /** How many more field lines there were beyond maxPaths. */
  readonly more: number;
}

/** What happened in one manifest file. */
export interface ReportFile {
  /** File name, relative to the folders. */
  readonly file: string;
  /** Set when only one side has the file. */
  readonly status?: 'added' | 'removed';
  /** Objects per kind of change, the ones with only common changes included. */
  readonly counts: { readonly [kind in ObjectChangeKind]: number };
  /** The objects with lines of their own, in file order. */
  readonly objects: readonly ReportObject[];
  /** Changed objects whose every change is a common one. */
  readonly onlyCommon: number;
  /** Why the file differs in bytes when no object in it does. */
  readonly note?: FileNoteKind;
}

/** A diff arranged for reading: summary, common changes, then file by file. */
export interface Report {
  /** One line counting what changed (summaryLine). */
  readonly summary: string;
  /** Objects per kind of change, over all files. */
  readonly counts: { readonly [kind in ObjectChangeKind]: number };
  /** Manifest files only the new side has. */
  readonly filesAdded: readonly string[];
  /** Manifest files only the old side has. */
  readonly filesRemoved: readonly string[];
  /** Field changes listed once, in the order first met. */
  readonly common: readonly CommonChange[];
  /** Every file that differs, in name (apply) order. */
  readonly files: readonly ReportFile[];
}

function isRecord(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as text with keys sorted: equal for values sameValue calls equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort(compareStrings).map(k => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * Identity of a field change: path, kind and both values in full. Not the displayed
 * line, which shortens long values: two different changes must never be merged into
 * one "common" line because they look alike once shortened.
 */
function changeKey(f: FieldChange): string {
  return canonical([f.path, f.kind, f.before, f.after, f.summarises]);
}

/**
 * Field changes (path and values alike) made to `commonAt` or more objects: an upgrade
 * relabels every object (`app.kubernetes.io/version`, `helm.sh/chart`), which would
 * otherwise bury the changes that matter under the same two lines per object.
 */
function commonChanges(objects: readonly ObjectDiff[], commonAt: number): Map<string, CommonChange> {
  const found = new Map<string, { field: FieldChange; objects: number }>();
  for (const o of objects) {
    for (const f of o.fields) {
      const key = changeKey(f);
      const seen = found.get(key);
      if (seen) found.set(key, { field: seen.field, objects: seen.objects + 1 });
      else found.set(key, { field: f, objects: 1 });
    }
  }
  const common = new Map<string, CommonChange>();
  for (const [key, c] of found) {
    if (c.objects >= commonAt) common.set(key, { line: formatField(c.field), objects: c.objects });
  }
  return common;
}

function countKinds(objects: readonly ObjectDiff[]): { [kind in ObjectChangeKind]: number } {
  const counts = { changed: 0, added: 0, removed: 0, moved: 0 };
  for (const o of objects) counts[o.kind]++;
  return counts;
}

/** `1 object`, `2 objects`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line counting what changed, e.g. `objects: 2 changed, 1 added, 0 removed, 1 moved (9 before, 10 after); files: +1 -0`. */
export function summaryLine(d: FolderDiff): string {
  const c = countKinds(d.objects);
  const parts = [`${c.changed} changed`, `${c.added} added`, `${c.removed} removed`, `${c.moved} moved`];
  const files = d.filesAdded.length || d.filesRemoved.length ? `; files: +${d.filesAdded.length} -${d.filesRemoved.length}` : '';
  const notes = d.fileNotes.length ? `; ${plural(d.fileNotes.length, 'file')} with byte-only changes` : '';
  return `objects: ${parts.join(', ')} (${d.objectsBefore} before, ${d.objectsAfter} after)${files}${notes}`;
}

/** Arranges a diff for reading; the layouts (format.ts, markdown.ts) only lay it out. */
export function buildReport(d: FolderDiff, opts: ReportOptions = {}): Report {
  const maxPaths = opts.maxPaths ?? 20;
  const common = commonChanges(d.objects, opts.commonAt ?? 3);
  const added = new Set(d.filesAdded);
  const removed = new Set(d.filesRemoved);
  const names = new Set([...d.objects.map(o => o.file), ...d.fileNotes.map(n => n.file), ...added, ...removed]);
  const files = [...names].sort(compareStrings).map((file): ReportFile => {
    const inFile = d.objects.filter(o => o.file === file);
    const objects: ReportObject[] = [];
    let onlyCommon = 0;
    for (const o of inFile) {
      const lines = o.fields.filter(f => !common.has(changeKey(f))).map(formatField);
      if (o.kind === 'changed' && lines.length === 0) onlyCommon++;
      else objects.push({ object: o, lines: lines.slice(0, maxPaths), more: Math.max(0, lines.length - maxPaths) });
    }
    const note = d.fileNotes.find(n => n.file === file)?.kind;
    return {
      file,
      ...(added.has(file) ? { status: 'added' as const } : removed.has(file) ? { status: 'removed' as const } : {}),
      counts: countKinds(inFile),
      objects,
      onlyCommon,
      ...(note ? { note } : {}),
    };
  });
  return {
    summary: summaryLine(d),
    counts: countKinds(d.objects),
    filesAdded: d.filesAdded,
    filesRemoved: d.filesRemoved,
    common: [...common.values()],
    files,
  };
}
