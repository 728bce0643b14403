import * as fs from 'fs';
import * as path from 'path';
import { CommandIO, parseCommandArgs, runIfMain } from '../command';
import { PROJECT_ROOT } from '../project-root';
import { UserError } from '../user-error';

/** The JSON schema of MeshSettings, generated from lib/settings/types.ts and committed. */
export const SCHEMA_FILE = path.join('lib', 'settings', 'mesh-settings.schema.json');

const USAGE = `usage: npm run settings-schema [-- --check]
  (no flags)   regenerate ${SCHEMA_FILE} from lib/settings/types.ts
  --check      exit 1 if the committed schema differs from the types (nothing written)`;

/**
 * The schema of MeshSettings as the TypeScript types define it, with every object
 * closed (`additionalProperties: false`): so run-time validation rejects exactly what
 * `tsc` would, and cannot drift from the types (a test regenerates and compares).
 */
export function generateSettingsSchema(root: string = PROJECT_ROOT): string {
  // Loaded here: it pulls in the TypeScript compiler, which only this command needs.
  const { createGenerator } = require('ts-json-schema-generator') as typeof import('ts-json-schema-generator');
  const schema = createGenerator({
    path: path.join(root, 'lib', 'settings', 'types.ts'),
    tsconfig: path.join(root, 'tsconfig.json'),
    type: 'MeshSettings',
    additionalProperties: false,
    skipTypeCheck: true,
    jsDoc: 'none',
    expose: 'export',
    topRef: true,
    sortProps: true,
  }).createSchema('MeshSettings');
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** `npm run settings-schema`: writes or checks the committed schema. */
export function main(argv: readonly string[], io: CommandIO): number {
  const parsed = parseCommandArgs(argv, io, USAGE, { check: { type: 'boolean' } });
  if (!parsed) return 0;
  if (parsed.positionals.length) throw new UserError(`unexpected argument ${parsed.positionals[0]}
${USAGE}`);
  const { values } = parsed;
  const file = path.join(PROJECT_ROOT, SCHEMA_FILE);
  const fresh = generateSettingsSchema();
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (values.check) {
    if (current === fresh) return 0;
    io.err(`${SCHEMA_FILE} is stale: run \`npm run settings-schema\` and commit it`);
    return 1;
  }
  if (current !== fresh) fs.writeFileSync(file, fresh);
  io.out(`${SCHEMA_FILE}: ${current === fresh ? 'up to date' : 'written'}`);
  return 0;
}

runIfMain(module, main);
