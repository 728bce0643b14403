import * as fs from 'fs';
import * as path from 'path';
import type * as TS from 'typescript';
import { CommandIO, parseCommandArgs, runIfMain } from '../lib/command';
import { PROJECT_ROOT } from '../lib/project-root';
import { UserError } from '../lib/user-error';
import { TYPES_FILE } from './settings-schema';

/** The settings reference, generated from lib/settings/types.ts and committed. */
export const REFERENCE_FILE = path.join('docs', 'reference', 'settings.md');

/** The type the reference starts at: what main.ts's `settings` (or each of `clusters`) is. */
const ROOT_TYPE = 'MeshSettings';

const USAGE = `usage: npm run settings-reference [-- --check]
  (no flags)   regenerate ${REFERENCE_FILE} from ${TYPES_FILE}
  --check      exit 1 if the committed page differs from what the types document (nothing written)`;

/** TypeScript's own generic types: a settings type may use them without declaring them. */
const BUILTIN_TYPES = new Set(['Array', 'ReadonlyArray', 'Record', 'Partial', 'Required', 'Readonly', 'Pick', 'Omit']);

let typescriptModule: typeof TS | undefined;

/** The TypeScript compiler, loaded on first use: only this command needs it, and it is large. */
function typescript(): typeof TS {
  return typescriptModule ??= require('typescript') as typeof TS;
}

/** A declaration the reference can describe. */
type Declaration = TS.InterfaceDeclaration | TS.TypeAliasDeclaration;

/** A piece of a printed type: text, or the name of a type with a section of its own. */
interface Segment {
  readonly text: string;
  /** The section's anchor, when `text` names a documented type. */
  readonly link?: string;
}

/** The parsed types file and what printing its types has found so far. */
interface Context {
  readonly ts: typeof TS;
  readonly file: TS.SourceFile;
  readonly fileName: string;
  readonly declarations: ReadonlyMap<string, Declaration>;
  /** Documented types in first-reference order (a breadth-first walk from MeshSettings). */
  readonly sections: string[];
}

/** The GitHub anchor of a section headed by a type's name. */
function anchorOf(name: string): string {
  return `#${name.toLowerCase()}`;
}

/** Where a node is, as `file:line` (an editor opens it). */
function locationOf(ctx: Context, node: TS.Node): string {
  return `${ctx.fileName}:${ctx.file.getLineAndCharacterOfPosition(node.getStart(ctx.file)).line + 1}`;
}

/** The file's top-level interfaces and type aliases by name. */
function declarationsOf(ts: typeof TS, file: TS.SourceFile): Map<string, Declaration> {
  const declarations = new Map<string, Declaration>();
  for (const statement of file.statements) {
    if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) declarations.set(statement.name.text, statement);
  }
  return declarations;
}

/**
 * Whether an alias is a union of literals (`'sidecar' | 'ambient'`): a field of that
 * type shows the values themselves, which is what a user has to write.
 */
function isLiteralUnion(ts: typeof TS, declaration: Declaration): declaration is TS.TypeAliasDeclaration {
  if (!ts.isTypeAliasDeclaration(declaration)) return false;
  const members = ts.isUnionTypeNode(declaration.type) ? declaration.type.types : [declaration.type];
  return members.every(member => ts.isLiteralTypeNode(member));
}

/** `name`, linked to its section when it has one (queued for one on first reference). */
function printReference(ctx: Context, name: string, typeArguments: readonly TS.TypeNode[] | undefined, at: TS.Node): Segment[] {
  const declaration = ctx.declarations.get(name);
  if (declaration && isLiteralUnion(ctx.ts, declaration)) return printType(ctx, declaration.type);
  // A type from elsewhere would be printed with no section, i.e. undocumented: refuse it.
  if (!declaration && !BUILTIN_TYPES.has(name)) throw new UserError(`${locationOf(ctx, at)}: ${name} is not declared in ${ctx.fileName}, so the settings reference cannot document it`);
  if (declaration && !ctx.sections.includes(name)) ctx.sections.push(name);
  const head: Segment = declaration ? { text: name, link: anchorOf(name) } : { text: name };
  if (!typeArguments?.length) return [head];
  return [head, { text: '<' }, ...joinSegments(typeArguments.map(arg => printType(ctx, arg)), ', '), { text: '>' }];
}

/** Printed parts joined by a separator. */
function joinSegments(parts: readonly Segment[][], separator: string): Segment[] {
  return parts.flatMap((part, i) => (i === 0 ? part : [{ text: separator }, ...part]));
}

/** A member of an inline object type (`{ [label: string]: string }`). */
function printTypeMember(ctx: Context, member: TS.TypeElement): Segment[] {
  const { ts } = ctx;
  if (ts.isIndexSignatureDeclaration(member)) {
    const [key] = member.parameters;
    return [{ text: `[${key.name.getText(ctx.file)}: ` }, ...printType(ctx, key.type!), { text: ']: ' }, ...printType(ctx, member.type)];
  }
  if (ts.isPropertySignature(member) && member.type) {
    return [{ text: `${member.name.getText(ctx.file)}${member.questionToken ? '?' : ''}: ` }, ...printType(ctx, member.type)];
  }
  throw new UserError(`${locationOf(ctx, member)}: the settings reference cannot print ${member.getText(ctx.file)}`);
}

/** Type keywords, printed as written. */
function isKeywordType(ts: typeof TS, node: TS.TypeNode): boolean {
  const { SyntaxKind: K } = ts;
  return [K.StringKeyword, K.NumberKeyword, K.BooleanKeyword, K.BigIntKeyword, K.UnknownKeyword, K.AnyKeyword,
    K.NeverKeyword, K.UndefinedKeyword, K.ObjectKeyword, K.SymbolKeyword, K.VoidKeyword].includes(node.kind);
}

/**
 * A type as the source writes it, minus `readonly` (every settings field is read-only: it
 * tells a reader nothing), with literal-union aliases spelled out and every other type
 * of the file linked to its section. Syntax it does not know is an error rather than
 * text printed without its links.
 */
function printType(ctx: Context, node: TS.TypeNode): Segment[] {
  const { ts } = ctx;
  if (ts.isTypeReferenceNode(node)) return printReference(ctx, node.typeName.getText(ctx.file), node.typeArguments, node);
  if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) return printType(ctx, node.type);
  if (ts.isArrayTypeNode(node)) {
    const element = printType(ctx, node.elementType);
    const bare = ts.isTypeReferenceNode(node.elementType) || ts.isTypeOperatorNode(node.elementType) || isKeywordType(ts, node.elementType) || ts.isTypeLiteralNode(node.elementType);
    return bare ? [...element, { text: '[]' }] : [{ text: '(' }, ...element, { text: ')[]' }];
  }
  if (ts.isUnionTypeNode(node)) return joinSegments(node.types.map(t => printType(ctx, t)), ' | ');
  if (ts.isIntersectionTypeNode(node)) return joinSegments(node.types.map(t => printType(ctx, t)), ' & ');
  if (ts.isParenthesizedTypeNode(node)) return [{ text: '(' }, ...printType(ctx, node.type), { text: ')' }];
  if (ts.isTupleTypeNode(node)) return [{ text: '[' }, ...joinSegments(node.elements.map(t => printType(ctx, t)), ', '), { text: ']' }];
  if (ts.isTypeLiteralNode(node)) {
    if (!node.members.length) return [{ text: '{}' }];
    return [{ text: '{ ' }, ...joinSegments(node.members.map(m => printTypeMember(ctx, m)), '; '), { text: ' }' }];
  }
  if (ts.isLiteralTypeNode(node) || isKeywordType(ts, node)) return [{ text: node.getText(ctx.file) }];
  throw new UserError(`${locationOf(ctx, node)}: the settings reference cannot print the type ${node.getText(ctx.file)}`);
}

/** A code span holding `text` (a longer fence when the text has backticks). */
function codeSpan(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Printed segments as markdown: code spans, and links (by name) to the types' sections. */
function segmentsToMarkdown(segments: readonly Segment[]): string {
  let markdown = '';
  let code = '';
  for (const segment of segments) {
    if (segment.link === undefined) {
      code += segment.text;
      continue;
    }
    if (code) markdown += codeSpan(code);
    code = '';
    markdown += `[${segment.text}](${segment.link})`;
  }
  return code ? markdown + codeSpan(code) : markdown;
}

/** A table cell: one line, pipes escaped (GitHub's tables need `\|` even inside code spans). */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');
}

/** A node's TSDoc: its text and its `@default`, if any (the comment closest to the node). */
function docOf(ts: typeof TS, node: TS.Node): { description: string; default?: string } {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const doc = docs[docs.length - 1];
  if (!doc) return { description: '' };
  const tag = doc.tags?.find(t => t.tagName.text === 'default');
  const value = tag && ts.getTextOfJSDocComment(tag.comment)?.trim();
  return { description: ts.getTextOfJSDocComment(doc.comment)?.trim() ?? '', ...(value ? { default: value } : {}) };
}

/**
 * A default as the page shows it. `@default - text` (the AWS CDK convention) describes a
 * computed default: prose. Anything else is a value as written: quoted literals, and a
 * lone token such as `false` or `[]`, are shown as code.
 */
function formatDefault(value: string): string {
  if (value === '-' || value.startsWith('- ')) return value.slice(1).trim();
  if (!/\s/.test(value)) return codeSpan(value);
  // Outside existing code spans only (the odd pieces of a split on backticks).
  return value.split('`').map((piece, i) => (i % 2 ? piece : piece.replace(/'[^']*'/g, codeSpan))).join('`');
}

/** One table row per field, in source order; fields without TSDoc are collected in `missing`. */
function fieldRows(ctx: Context, owner: string, members: TS.NodeArray<TS.TypeElement>, missing: string[]): string[] {
  const { ts } = ctx;
  return members.map(member => {
    if (!ts.isPropertySignature(member) || !member.type) throw new UserError(`${locationOf(ctx, member)}: ${owner} may only have typed fields (the settings reference documents fields)`);
    const name = member.name.getText(ctx.file);
    const doc = docOf(ts, member);
    if (!doc.description) missing.push(`${locationOf(ctx, member)}: ${owner}.${name}`);
    const optional = member.questionToken !== undefined;
    const defaultText = !optional ? 'required' : doc.default !== undefined ? formatDefault(doc.default) : '—';
    const type = segmentsToMarkdown(printType(ctx, member.type));
    return `| ${cell(codeSpan(`${name}${optional ? '?' : ''}`))} | ${cell(type)} | ${cell(defaultText)} | ${cell(doc.description)} |`;
  });
}

/** A type's section: its heading, its TSDoc, and a table of its fields (or its definition). */
function section(ctx: Context, name: string, missing: string[]): string[] {
  const { ts } = ctx;
  const declaration = ctx.declarations.get(name)!;
  const lines = [`## ${name}`, ''];
  const description = docOf(ts, declaration).description.replace(/\s+/g, ' ');
  if (description) lines.push(description, '');
  if (ts.isTypeAliasDeclaration(declaration)) {
    lines.push(`Type: ${segmentsToMarkdown(printType(ctx, declaration.type))}`, '');
    return lines;
  }
  for (const clause of declaration.heritageClauses ?? []) {
    for (const base of clause.types) {
      const printed = printReference(ctx, base.expression.getText(ctx.file), base.typeArguments, base);
      lines.push(`Also has every field of ${segmentsToMarkdown(printed)}.`, '');
    }
  }
  lines.push('| Field | Type | Default | Description |', '| --- | --- | --- | --- |', ...fieldRows(ctx, name, declaration.members, missing), '');
  return lines;
}

/** What the page says before the sections: how the settings are given, and where the page comes from. */
function intro(fileName: string): string[] {
  return [
    '# Settings reference',
    '',
    `<!-- Generated by \`npm run settings-reference\` from ${fileName}: do not edit. -->`,
    '',
    'main.ts describes the mesh by what it exports:',
    '',
    `- \`settings\`: one cluster's [${ROOT_TYPE}](${anchorOf(ROOT_TYPE)}), rendered into \`dist/\`; or`,
    `- \`clusters\`: a fleet, cluster name → [${ROOT_TYPE}](${anchorOf(ROOT_TYPE)}), each rendered into \`dist/<cluster>/\`;`,
    '- and, optionally, `extend(chart, mesh)`: a function that adds your own objects to the mesh.',
    '',
    `Below, a section per type, starting at ${ROOT_TYPE}. A field marked \`?\` is optional, and its`,
    'default is what leaving it out means: a value in code, or a computed default in words.',
    '',
    `This page is generated by \`npm run settings-reference\` from the TSDoc of \`${fileName}\`:`,
    'do not edit it; edit the types and run the command (CI checks that the two agree).',
    '',
  ];
}

/**
 * The settings reference (markdown) of a types file's source: a section per type
 * reachable from MeshSettings, in first-reference order (types not reachable, such as
 * the internal Resolved* ones, have none). Reads the source with TypeScript's parser
 * alone: a printed type is its syntax, so no program or type checker is needed (which
 * keeps this to milliseconds). A field without TSDoc is a UserError naming it.
 */
export function generateSettingsReference(source: string, fileName: string = TYPES_FILE.split(path.sep).join('/')): string {
  const ts = typescript();
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const ctx: Context = { ts, file, fileName, declarations: declarationsOf(ts, file), sections: [] };
  if (!ctx.declarations.has(ROOT_TYPE)) throw new UserError(`${fileName} declares no ${ROOT_TYPE}`);
  ctx.sections.push(ROOT_TYPE);
  const missing: string[] = [];
  const lines = intro(fileName);
  // Printing a section queues the types it references: the list grows while it is walked.
  for (let i = 0; i < ctx.sections.length; i++) lines.push(...section(ctx, ctx.sections[i], missing));
  if (missing.length) {
    throw new UserError(`every settings field needs a TSDoc comment (the settings reference shows it); none on:\n${missing.map(m => `  - ${m}`).join('\n')}`);
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The reference of the project's types file, as the committed page should read. */
export function settingsReferenceOf(root: string = PROJECT_ROOT): string {
  return generateSettingsReference(fs.readFileSync(path.join(root, TYPES_FILE), 'utf8'));
}

/** `npm run settings-reference`: writes or checks the committed page (of the project at `root`). */
export function main(argv: readonly string[], io: CommandIO, root: string = PROJECT_ROOT): number {
  const parsed = parseCommandArgs(argv, io, USAGE, { check: { type: 'boolean' } }, 0);
  if (!parsed) return 0;
  const fresh = settingsReferenceOf(root);
  const file = path.join(root, REFERENCE_FILE);
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (current === fresh) {
    io.out(`${REFERENCE_FILE}: up to date`);
    return 0;
  }
  if (parsed.values.check) {
    io.err(`${REFERENCE_FILE} is ${current === undefined ? 'missing' : 'stale'}: run \`npm run settings-reference\` and commit it`);
    return 1;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fresh);
  io.out(`${REFERENCE_FILE}: written`);
  return 0;
}

runIfMain(module, main);
