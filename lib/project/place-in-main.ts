import * as fs from 'fs';
import { SourceMap } from 'module';
import * as path from 'path';

/**
 * Where in main.ts an error was thrown (`main.ts:42:11`): the first frame of its stack in
 * main.ts, so a failing extend() points at the user's own line. Under tsx and jest stacks
 * name the TypeScript source; in synth's bundle a frame is mapped back through the bundle's
 * source map (written beside it), read only when an error needs it.
 */
export function placeInMain(err: unknown, root: string): string | undefined {
  const stack = err instanceof Error ? err.stack ?? '' : '';
  const main = path.join(root, 'main.ts');
  for (const [, file, line, column] of stack.matchAll(/\(?((?:\/|[A-Za-z]:\\)[^():\n]+):(\d+):(\d+)\)?$/gm)) {
    if (path.resolve(file) === main) return `main.ts:${line}:${column}`;
    const original = throughSourceMap(file, Number(line), Number(column));
    if (original && path.resolve(path.dirname(file), original.source) === main) return `main.ts:${original.line}:${original.column}`;
  }
  return undefined;
}

/** A bundle's position in its source, by the source map beside the bundle (`<file>.map`). */
function throughSourceMap(file: string, line: number, column: number): { source: string; line: number; column: number } | undefined {
  const mapFile = `${file}.map`;
  if (!fs.existsSync(mapFile)) return undefined;
  try {
    const entry = new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))).findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
    return { source: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  } catch {
    return undefined;
  }
}
