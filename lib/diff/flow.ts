import { loadYaml11 } from '../manifests/yaml11';

/** Marks where a value was shortened. */
const ELLIPSIS = '…';

/** Below this, a nested value gets this much room anyway: a key followed by `…` alone tells nothing. */
const MIN_ROOM = 12;

function isRecord(v: unknown): v is { [key: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True when `s` may stand unquoted inside a flow collection: it reads back as the same
 * string under the rules dist/ is parsed with (lib/manifests/yaml11.ts, YAML 1.1), so `yes`,
 * `0775`, `1e+06`, `a: b` or `#x` get quotes and `node-role.example.com/infra` does not.
 * Asking the parser itself is simpler and safer than a copy of YAML's plain-scalar rules.
 */
function isPlainSafe(s: string): boolean {
  if (s === '' || s !== s.trim() || /[\n\r\t]/.test(s)) return false;
  try {
    const docs = loadYaml11(`[${s}]`);
    const seq = docs[0];
    return docs.length === 1 && Array.isArray(seq) && seq.length === 1 && seq[0] === s;
  } catch {
    return false;
  }
}

/** A double-quoted string, shortened to about `room` characters. JSON's escapes are YAML's too. */
function quoted(s: string, room: number): string {
  const full = JSON.stringify(s);
  if (full.length <= room) return full;
  // Shortened in characters (not in the escaped form), so no escape sequence is cut in half.
  let n = Math.max(1, room - 3);
  while (n > 1 && JSON.stringify(s.slice(0, n)).length + 1 > room) n--;
  return `${JSON.stringify(s.slice(0, n)).slice(0, -1)}${ELLIPSIS}"`;
}

function scalar(v: unknown, room: number, nested: boolean): string {
  if (typeof v === 'string') {
    if (nested && isPlainSafe(v)) return v.length <= room ? v : `${v.slice(0, Math.max(1, room - 1))}${ELLIPSIS}`;
    return quoted(v, room);
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return String(v);
  }
  if (v === null || v === undefined) return 'null';
  return String(v);
}

/**
 * Entries one after the other until the room is used up, then `…`; the first entry is
 * always there (shortened if it must be), so a reader sees at least which item it is.
 * A list's entries have no key.
 */
function collection(open: string, close: string, entries: readonly (readonly [string | undefined, unknown])[], room: number): string {
  let out = open;
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i];
    const sep = i ? ', ' : '';
    const head = key === undefined ? '' : `${scalar(key, Infinity, true)}: `;
    // What must still fit after this entry: the closing bracket, and `, …` unless it is the last.
    const tail = i === entries.length - 1 ? close.length : `, ${ELLIPSIS}${close}`.length;
    const left = room - out.length - sep.length - head.length - tail;
    const entry = `${sep}${head}${render(value, Math.max(left, MIN_ROOM), true)}`;
    if (i > 0 && out.length + entry.length + tail > room) return `${out}, ${ELLIPSIS}${close}`;
    out += entry;
  }
  return `${out}${close}`;
}

function render(v: unknown, room: number, nested: boolean): string {
  if (Array.isArray(v)) return collection('[', ']', v.map(item => [undefined, item] as const), room);
  if (isRecord(v)) return collection('{', '}', Object.entries(v), room);
  return scalar(v, room, nested);
}

/**
 * A parsed YAML value on one line, in YAML flow style with keys in the value's own
 * order: `{key: node-role.example.com/infra, operator: Exists, effect: NoSchedule}`.
 *
 * A string on its own is always double-quoted, so that `"1"` and `1` look different (as
 * in the `old → new` lines); inside a collection it is quoted only when YAML would read
 * it as something else. Values longer than about `width` characters are shortened with
 * `…`, keeping their first keys (and the first characters of a long string). An
 * unshortened result reads back as the same value.
 */
export function flowValue(value: unknown, width = 100): string {
  return render(value, width, false);
}
