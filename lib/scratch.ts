import * as fs from 'fs';
import * as path from 'path';

/**
 * Scratch folders that a killed run cannot leave behind for good. Each is named for the
 * process that made it (`<prefix><pid>-XXXXXX`); a run removes its own on exit, and the
 * next run removes those whose process is gone (SIGKILL gives no chance to clean up).
 */

/** Makes a scratch folder `<prefix><pid>-XXXXXX` (prefix: a path with the name's start). */
export function makeScratch(prefix: string): string {
  return fs.mkdtempSync(`${prefix}${process.pid}-`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch folders of `prefix` whose process is no longer running; what cannot be removed stays. */
export function removeAbandonedScratch(prefix: string): void {
  const dir = path.dirname(prefix);
  const start = path.basename(prefix);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(start)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(start.length))?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    try {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    } catch {
      // Someone else's, or not ours to remove: left alone.
    }
  }
}
