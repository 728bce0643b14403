import * as fs from 'fs';
import * as path from 'path';

/**
 * A printed output in the docs: a fenced block after an `<!-- output: NAME -->` marker,
 * and the TypeScript examples above it (the main.ts that produced it).
 */
export interface OutputBlock {
  readonly name: string;
  /** The page, relative to the project root. */
  readonly file: string;
  /** 1-based line of the marker. */
  readonly line: number;
  /** The block's text, without its fences. */
  readonly text: string;
  /** The ```ts blocks of the page above the marker, nearest last. */
  readonly examplesAbove: readonly string[];
}

const MARKER = /^<!-- output: ([a-z0-9-]+) -->$/;

/** The docs' pages: README.md, CONTRIBUTING.md and every page below docs/. */
export function docPages(root: string): string[] {
  const docs = path.join(root, 'docs');
  const pages = fs.existsSync(docs) ? (fs.readdirSync(docs, { recursive: true }) as string[]).filter(f => f.endsWith('.md')).map(f => path.join('docs', f)) : [];
  return ['README.md', 'CONTRIBUTING.md', ...pages].filter(f => fs.existsSync(path.join(root, f))).sort();
}

/** Every output block of a page's text. */
export function outputBlocksOf(file: string, markdown: string): OutputBlock[] {
  const lines = markdown.split('\n');
  const blocks: OutputBlock[] = [];
  const examples: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)\s*$/.exec(lines[i]);
    if (fence) {
      const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
      if (end < 0) break;
      if (fence[1] === 'ts' || fence[1] === 'typescript') examples.push(lines.slice(i + 1, end).join('\n'));
      i = end;
      continue;
    }
    const marker = MARKER.exec(lines[i]);
    if (!marker) continue;
    if (!/^```\s*$/.test(lines[i + 1] ?? '')) throw new Error(`${file}:${i + 1}: <!-- output: ${marker[1]} --> is not followed by a plain \`\`\` block`);
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l));
    blocks.push({ name: marker[1], file, line: i + 1, text: lines.slice(i + 2, end).join('\n'), examplesAbove: [...examples] });
    i = end;
  }
  return blocks;
}

/** Every output block of the docs. */
export function outputBlocks(root: string): OutputBlock[] {
  return docPages(root).flatMap(f => outputBlocksOf(f, fs.readFileSync(path.join(root, f), 'utf8')));
}

/** A page's text with the block `name` holding `text`. */
export function replaceOutput(markdown: string, name: string, text: string): string {
  const lines = markdown.split('\n');
  const at = lines.indexOf(`<!-- output: ${name} -->`);
  const end = lines.findIndex((l, j) => j > at + 1 && /^```\s*$/.test(l));
  return [...lines.slice(0, at + 2), ...text.split('\n'), ...lines.slice(end)].join('\n');
}
