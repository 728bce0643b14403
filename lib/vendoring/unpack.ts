import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';

/** Thrown when an archive cannot be unpacked into the expected chart. */
export class BadArchive extends Error {}

/**
 * Unpacks a chart archive (`<chart>/...` inside, as `helm package` writes it) into
 * `<destDir>/<chart>`, and checks that its Chart.yaml is that chart at that version.
 *
 * Only regular files and folders are taken: a chart needs nothing else, and links in an
 * archive from the network are an extraction risk.
 */
export async function unpackChart(archive: Buffer, destDir: string, chart: string, version: string): Promise<string> {
  const scratch = fs.mkdtempSync(path.join(destDir, `.unpack-${chart}-`));
  // Loaded here, not at start-up: synth only unpacks when charts are missing.
  const { x: extract } = await import('tar');
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = extract({
        cwd: scratch,
        strict: true,
        gzip: true,
        filter: (_p, entry) => {
          const type = (entry as { type?: string }).type;
          return type === 'File' || type === 'OldFile' || type === 'Directory';
        },
      });
      stream.on('error', reject);
      stream.on('close', () => resolve());
      stream.on('finish', () => resolve());
      stream.end(archive);
    });
    const unpacked = path.join(scratch, chart);
    const chartYaml = path.join(unpacked, 'Chart.yaml');
    if (!fs.existsSync(chartYaml)) throw new BadArchive(`it has no ${chart}/Chart.yaml`);
    const meta = parseYaml(fs.readFileSync(chartYaml, 'utf8'));
    if (meta?.name !== chart || String(meta?.version) !== version) {
      throw new BadArchive(`its Chart.yaml is ${meta?.name} ${meta?.version}, expected ${chart} ${version}`);
    }
    const target = path.join(destDir, chart);
    fs.renameSync(unpacked, target);
    return target;
  } catch (err) {
    if (err instanceof BadArchive) throw err;
    throw new BadArchive(`it is not a valid chart archive (${(err as Error).message})`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
