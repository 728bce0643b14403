import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../lib/project-root';
import { UserError } from '../lib/user-error';
import { generateSettingsReference, main, REFERENCE_FILE, settingsReferenceOf } from '../tools/settings-reference';
import { SCHEMA_FILE, TYPES_FILE } from '../tools/settings-schema';
import { runCaptured } from './command-io';

const committed = (): string => fs.readFileSync(path.join(PROJECT_ROOT, REFERENCE_FILE), 'utf8');

/** The page's sections, type name → the fields its table lists (as shown: `name` or `name?`). */
function sectionsOf(page: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  for (const chunk of page.split(/^## /m).slice(1)) {
    const [heading, ...rest] = chunk.split('\n');
    sections.set(heading, rest.flatMap(line => /^\| `([^`]+)` \|/.exec(line)?.[1] ?? []));
  }
  return sections;
}

/** The table row of a field in a section of a page. */
function rowOf(page: string, type: string, field: string): string {
  const section = page.split(/^## /m).find(chunk => chunk.startsWith(`${type}\n`)) ?? '';
  const row = section.split('\n').find(line => line.startsWith(`| \`${field}\` |`) || line.startsWith(`| \`${field}?\` |`));
  if (!row) throw new Error(`no row for ${type}.${field}`);
  return row;
}

/** The error a source's reference fails with. */
function errorOf(source: string): Error {
  try {
    generateSettingsReference(source);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the reference to fail');
}

/** A project root holding only the types file (a copy of the project's), removed after `fn`. */
async function withProjectCopy(fn: (root: string) => Promise<void>): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-reference-'));
  try {
    fs.mkdirSync(path.join(root, path.dirname(TYPES_FILE)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, TYPES_FILE), path.join(root, TYPES_FILE));
    await fn(root);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

test('the committed settings reference is what lib/settings/types.ts documents now (npm run settings-reference)', () => {
  const fresh = settingsReferenceOf();
  expect(committed()).toBe(fresh);
  // Deterministic: the same bytes twice, \n line endings, one trailing newline.
  expect(settingsReferenceOf()).toBe(fresh);
  expect(fresh).not.toContain('\r');
  expect(fresh.endsWith('\n') && !fresh.endsWith('\n\n')).toBe(true);
});

test('every object type of the settings schema has a section listing exactly its fields, required ones without ?', () => {
  // The JSON schema is generated from the same types by another tool: an independent account of them.
  const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILE), 'utf8')) as {
    definitions: { [name: string]: { type?: string; properties?: object; required?: string[]; anyOf?: Array<{ type?: string }> } };
  };
  const sections = sectionsOf(committed());
  const objects = Object.entries(schema.definitions).filter(([, d]) => d.type === 'object');
  // A union with object members (TrustSource) has a section of its own too, saying its type.
  const unions = Object.entries(schema.definitions).filter(([, d]) => d.anyOf?.some(m => m.type === 'object'));
  expect([...sections.keys()].sort()).toEqual([...objects, ...unions].map(([name]) => name).sort());
  for (const [name, definition] of objects) {
    const fields = Object.keys(definition.properties ?? {}).map(f => (definition.required?.includes(f) ? f : `${f}?`));
    expect({ name, fields: [...sections.get(name)!].sort() }).toEqual({ name, fields: fields.sort() });
  }
});

test('MeshSettings comes first and lists every field; internal Resolved* types have no section', () => {
  const page = committed();
  const sections = sectionsOf(page);
  expect([...sections.keys()][0]).toBe('MeshSettings');
  const meshFields = Object.keys((JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, SCHEMA_FILE), 'utf8'))).definitions.MeshSettings.properties);
  expect(meshFields.length).toBeGreaterThan(15);
  for (const field of meshFields) expect(sections.get('MeshSettings')).toContain(`${field}?`);
  expect(page).not.toMatch(/Resolved/);
  expect(page).toMatch(/^# Settings reference\n/);
  expect(page).toContain('do not edit');
});

test('types link to their sections, literal unions show their values, defaults and required fields read as such', () => {
  const page = committed();
  expect(rowOf(page, 'MeshSettings', 'gateways')).toContain('[GatewaySettings](#gatewaysettings)`[]`');
  expect(rowOf(page, 'MeshSettings', 'mode')).toMatch(/^\| `mode\?` \| `'sidecar' \\\| 'ambient'` \| `'sidecar'` \| Dataplane mode/);
  expect(rowOf(page, 'MeshSettings', 'kubeVersion')).toContain("| `'1.33.0'` |");
  expect(rowOf(page, 'Toleration', 'key')).toContain('| every key (operator must be `Exists`) |');
  expect(rowOf(page, 'GatewaySettings', 'name')).toMatch(/^\| `name` \| `string` \| required \| Helm release name/);
  expect(page).toContain('## HelmValues\n\nHelm values: a free-form tree passed to a chart as `-f values.yaml`.\n\nType: `{ [key: string]: unknown }`\n');
});

const SOURCE = `
/** Everything. */
export interface MeshSettings {
  /** A name. */
  readonly name: string;
  /**
   * Its size, over
   * two lines | with a pipe.
   */
  readonly size?: number;
  /** Its parts. @default [] */
  readonly parts?: readonly Part[];
}
/** A part. */
export interface Part {
  /** Which. @default 'a' */
  readonly which?: 'a' | 'b';
}
/** Not reachable from MeshSettings: no section. */
export interface Internal {
  readonly undocumented: string;
}
`;

test('an optional field without @default shows —; a TSDoc comment is one line with its pipes escaped', () => {
  const page = generateSettingsReference(SOURCE, 'types.ts');
  expect(rowOf(page, 'MeshSettings', 'size')).toBe('| `size?` | `number` | — | Its size, over two lines \\| with a pipe. |');
  expect(rowOf(page, 'MeshSettings', 'name')).toBe('| `name` | `string` | required | A name. |');
  expect(rowOf(page, 'Part', 'which')).toBe("| `which?` | `'a' \\| 'b'` | `'a'` | Which. |");
  expect([...sectionsOf(page).keys()]).toEqual(['MeshSettings', 'Part']);
});

test('a settings field without TSDoc fails the reference, naming the field and its line', () => {
  const source = SOURCE.replace('  /** Which. @default \'a\' */\n', '');
  const err = errorOf(source);
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).toContain(`${TYPES_FILE}:16: Part.which`);
  // An empty comment is no documentation either.
  expect(errorOf(SOURCE.replace('/** A name. */', '/** */')).message).toContain('MeshSettings.name');
});

test('a type the types file does not declare fails the reference (it could not be documented)', () => {
  expect(errorOf(SOURCE.replace('readonly Part[]', 'readonly Elsewhere[]')).message).toMatch(/Elsewhere is not declared/);
});

test('--check exits 1 naming a stale or missing page and writes nothing; without it the page is written', async () => {
  await withProjectCopy(async root => {
    const page = path.join(root, REFERENCE_FILE);
    const run = (argv: string[]) => runCaptured((a, io) => main(a, io, root), argv);

    let r = await run(['--check']);
    expect(r).toEqual({ status: 1, out: [], err: [`${REFERENCE_FILE} is missing: run \`npm run settings-reference\` and commit it`] });
    expect(fs.existsSync(page)).toBe(false);

    fs.mkdirSync(path.dirname(page), { recursive: true });
    fs.writeFileSync(page, committed().replace('Gateways to render.', 'Gateways.'));
    r = await run(['--check']);
    expect(r.status).toBe(1);
    expect(r.err).toEqual([expect.stringContaining(`${REFERENCE_FILE} is stale`)]);
    expect(fs.readFileSync(page, 'utf8')).toContain('| Gateways. |');

    r = await run([]);
    expect(r).toEqual({ status: 0, out: [`${REFERENCE_FILE}: written`], err: [] });
    expect(fs.readFileSync(page, 'utf8')).toBe(committed());
    expect(await run(['--check'])).toEqual({ status: 0, out: [`${REFERENCE_FILE}: up to date`], err: [] });
  });
});

test('--help prints the usage and nothing else; an argument is refused', async () => {
  const help = await runCaptured(main, ['--help']);
  expect(help).toEqual({ status: 0, out: [expect.stringMatching(/^usage: npm run settings-reference \[-- --check\]\n/)], err: [] });
  const extra = await runCaptured(main, ['docs']);
  expect(extra.status).toBe(1);
  expect(extra.err[0]).toMatch(/^error: unexpected argument docs\nusage: npm run settings-reference/);
});
