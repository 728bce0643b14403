import * as fs from 'fs';
import * as path from 'path';

/**
 * The project root (the folder with package.json, vendor/ and node_modules/), found by
 * walking up from this file: the same whether the code runs from lib/ through tsx or
 * from the bundle esbuild writes to .build/.
 */
function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** The project root. */
export const PROJECT_ROOT = findRoot(__dirname);
