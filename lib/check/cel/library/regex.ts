import { celMethod, CelScalar, listType, type CelFunc } from '@bufbuild/cel';
import { RE2JS, RE2JSException } from '@bufbuild/re2';

// Kubernetes' regex library (k8s.io/apiserver/pkg/cel/library/regex.go): `find` and `findAll`,
// Go's regexp.FindString / FindAllString. @bufbuild/re2 parses and compiles RE2 syntax exactly as
// Go does (it is a port of Go's regexp/syntax) but only answers "does it match". Match positions
// need a leftmost-first search, so this module runs Go's backtrack-free NFA (a Pike VM, as in
// Go's regexp/exec.go) over the program @bufbuild/re2 compiled.

type Prog = ReturnType<RE2JS['re2']>['prog'];
type Inst = Prog['inst'][number];

interface OpCodes {
  ALT: number;
  ALT_MATCH: number;
  CAPTURE: number;
  EMPTY_WIDTH: number;
  FAIL: number;
  MATCH: number;
  NOP: number;
  RUNE: number;
  RUNE1: number;
  RUNE_ANY: number;
  RUNE_ANY_NOT_NL: number;
}

// Zero-width assertion flags, Go's syntax.EmptyOp (shared by RE2 and @bufbuild/re2).
const EMPTY_BEGIN_LINE = 0x01;
const EMPTY_END_LINE = 0x02;
const EMPTY_BEGIN_TEXT = 0x04;
const EMPTY_END_TEXT = 0x08;
const EMPTY_WORD_BOUNDARY = 0x10;
const EMPTY_NO_WORD_BOUNDARY = 0x20;

function isWordRune(r: number): boolean {
  return (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a) || (r >= 0x30 && r <= 0x39) || r === 0x5f;
}

/** The assertions that hold between rune r1 and rune r2 (-1 for the text's start or end). */
function emptyContext(r1: number, r2: number): number {
  let flags = 0;
  if (r1 < 0) flags |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  if (r1 === 0x0a) flags |= EMPTY_BEGIN_LINE;
  if (r2 < 0) flags |= EMPTY_END_TEXT | EMPTY_END_LINE;
  if (r2 === 0x0a) flags |= EMPTY_END_LINE;
  flags |= isWordRune(r1) !== isWordRune(r2) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY;
  return flags;
}

/** A compiled pattern ready to search; positions are code-point indexes into `runes`. */
class Searcher {
  private readonly inst: Inst[];
  private readonly op: OpCodes;

  constructor(
    private readonly prog: Prog,
    private readonly runes: number[],
  ) {
    this.inst = prog.inst;
    // The opcodes are static fields of @bufbuild/re2's (unexported) Inst class.
    this.op = prog.inst[0].constructor as unknown as OpCodes;
  }

  private context(pos: number): number {
    const { runes } = this;
    return emptyContext(pos > 0 ? runes[pos - 1] : -1, pos < runes.length ? runes[pos] : -1);
  }

  /** Adds the threads reachable from pc without consuming input, highest priority first. */
  private add(queue: Thread[], seen: Set<number>, pc: number, start: number, context: number): void {
    if (pc === 0 || seen.has(pc)) return;
    seen.add(pc);
    const inst = this.inst[pc];
    const { op } = this;
    switch (inst.op) {
      case op.FAIL:
        return;
      case op.ALT:
      case op.ALT_MATCH:
        this.add(queue, seen, inst.out, start, context);
        this.add(queue, seen, inst.arg, start, context);
        return;
      case op.EMPTY_WIDTH:
        if ((inst.arg & ~context) === 0) this.add(queue, seen, inst.out, start, context);
        return;
      case op.NOP:
      case op.CAPTURE:
        this.add(queue, seen, inst.out, start, context);
        return;
      default:
        queue.push({ pc, start });
    }
  }

  private consumes(inst: Inst, r: number): boolean {
    const { op } = this;
    if (r < 0) return false;
    switch (inst.op) {
      case op.RUNE:
      case op.RUNE1:
        return inst.matchRune(r);
      case op.RUNE_ANY:
        return true;
      case op.RUNE_ANY_NOT_NL:
        return r !== 0x0a;
      default:
        return false;
    }
  }

  /** Go's machine.match: the leftmost-first match starting at or after `from`. */
  match(from: number): [start: number, end: number] | undefined {
    const { runes, op } = this;
    const anchored = (this.prog.startCond() & EMPTY_BEGIN_TEXT) !== 0;
    let matched: [number, number] | undefined;
    let runq: Thread[] = [];
    let seen = new Set<number>();
    for (let pos = from; ; pos++) {
      if (runq.length === 0 && ((anchored && pos !== 0) || matched)) break;
      // The new start thread ranks below every thread already running.
      if (!matched && (pos === 0 || !anchored)) this.add(runq, seen, this.prog.start, pos, this.context(pos));
      const r = pos < runes.length ? runes[pos] : -1;
      const nextq: Thread[] = [];
      const nextSeen = new Set<number>();
      const nextContext = this.context(pos + 1);
      for (const thread of runq) {
        const inst = this.inst[thread.pc];
        if (inst.op === op.MATCH) {
          matched = [thread.start, pos];
          // First-match semantics: lower-priority threads are cut off.
          break;
        }
        if (this.consumes(inst, r)) this.add(nextq, nextSeen, inst.out, thread.start, nextContext);
      }
      if (pos >= runes.length) break;
      runq = nextq;
      seen = nextSeen;
    }
    return matched;
  }
}

interface Thread {
  pc: number;
  start: number;
}

class Pattern {
  private constructor(private readonly prog: Prog) {}

  // Rules apply the same literal pattern to every object; Kubernetes compiles literals once too.
  private static readonly cache = new Map<string, Pattern>();

  /** Compiles with Go's regexp.Compile syntax; a bad pattern is Kubernetes' "Illegal regex" error. */
  static compile(pattern: string): Pattern {
    const cached = Pattern.cache.get(pattern);
    if (cached) return cached;
    let compiled: Pattern;
    try {
      compiled = new Pattern(RE2JS.compile(pattern).re2().prog);
    } catch (err) {
      if (err instanceof RE2JSException) throw new Error(`Illegal regex: ${err.message}`);
      throw err;
    }
    if (Pattern.cache.size >= 256) Pattern.cache.clear();
    Pattern.cache.set(pattern, compiled);
    return compiled;
  }

  /** Go's FindString: the leftmost-first match, or '' when there is none. */
  find(text: string): string {
    const { runes, offsets } = splitRunes(text);
    const match = new Searcher(this.prog, runes).match(0);
    return match ? text.slice(offsets[match[0]], offsets[match[1]]) : '';
  }

  /** Go's FindAllString: successive non-overlapping matches, at most n when n >= 0. */
  findAll(text: string, n: number): string[] {
    const { runes, offsets } = splitRunes(text);
    const searcher = new Searcher(this.prog, runes);
    const limit = n < 0 ? Number.POSITIVE_INFINITY : n;
    const found: string[] = [];
    let prevMatchEnd = -1;
    for (let pos = 0; found.length < limit && pos <= runes.length; ) {
      const match = searcher.match(pos);
      if (!match) break;
      let accept = true;
      if (match[1] === pos) {
        // An empty match right after the previous match is not reported.
        if (match[0] === prevMatchEnd) accept = false;
        pos++;
      } else {
        pos = match[1];
      }
      prevMatchEnd = match[1];
      if (accept) found.push(text.slice(offsets[match[0]], offsets[match[1]]));
    }
    return found;
  }
}

/** Code points of text, with the UTF-16 offset of each and of the end. */
function splitRunes(text: string): { runes: number[]; offsets: number[] } {
  const runes: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < text.length; ) {
    const r = text.codePointAt(i) ?? 0;
    runes.push(r);
    offsets.push(i);
    i += r > 0xffff ? 2 : 1;
  }
  offsets.push(text.length);
  return { runes, offsets };
}

const { STRING, INT } = CelScalar;

/** Kubernetes' regex library: `<string>.find(re)` and `<string>.findAll(re[, limit])`. */
export const REGEX_FUNCTIONS: readonly CelFunc[] = [
  celMethod('find', STRING, [STRING], STRING, function (pattern) {
    return Pattern.compile(pattern).find(this);
  }),
  celMethod('findAll', STRING, [STRING], listType(STRING), function (pattern) {
    return Pattern.compile(pattern).findAll(this, -1);
  }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (pattern, limit) {
    // Go converts the int64 limit to int; any negative limit means "all".
    return Pattern.compile(pattern).findAll(this, limit < 0n ? -1 : Number(limit));
  }),
];

/**
 * An RE2 engine for `celEnv({ re2 })`, so that the standard `matches` uses RE2 syntax as cel-go
 * does (by default @bufbuild/cel runs `matches` on JavaScript's RegExp).
 */
export const RE2_MATCHER = {
  compile(pattern: string): { test(text: string): boolean } {
    return RE2JS.compile(pattern);
  },
};
