import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { UserError } from '../user-error';
import { parseSha256Sums, sha256 } from './digest';
import { GATEWAY_API_FILE, GatewayApiLockEntry, LOCK_FILE } from './lock';
import { GatewayApiRecord, writeGatewayApiRecord } from './record';
import { GATEWAY_API_MIRROR_ENV, httpGet, isUrl, readSourceFile, SourceUnavailable } from './source';

/**
 * Sources of the Kubernetes Gateway API CRDs (standard channel), tried in order:
 *
 * - a folder `<dir>/<version>/standard-install.yaml` with `<dir>/SHA256SUMS`
 *   (`<sha256>  <version>/standard-install.yaml` per line), which vouches for each file
 *   as a chart repository's index.yaml vouches for its archives;
 * - an HTTP(S) base such as upstream's release downloads,
 *   `<base>/<version>/standard-install.yaml`, which publishes no sums: the first fetch is
 *   pinned in the lock, every later fetch is verified against it.
 */
export interface GatewayApiSource {
  /** How the source is named in messages (as written in the lock, or the mirror variable). */
  readonly name: string;
  /** The file of one release, and the sha256 the source publishes for it (undefined: it publishes none). */
  read(version: string): Promise<{ readonly data: Buffer; readonly published?: string }>;
}

/** The sums file of a folder source. */
export const GATEWAY_API_SUMS = 'SHA256SUMS';

class FolderGatewayApiSource implements GatewayApiSource {
  private sums?: Map<string, string>;
  constructor(readonly name: string, private readonly dir: string) {}

  async read(version: string): Promise<{ data: Buffer; published: string }> {
    const rel = `${version}/${GATEWAY_API_FILE}`;
    const published = this.readSums().get(rel);
    if (!published) throw new SourceUnavailable(`its ${GATEWAY_API_SUMS} lists no ${rel}`);
    return { data: readSourceFile(path.join(this.dir, version, GATEWAY_API_FILE)), published };
  }

  private readSums(): Map<string, string> {
    this.sums ??= parseSha256Sums(readSourceFile(path.join(this.dir, GATEWAY_API_SUMS)).toString('utf8'));
    return this.sums;
  }
}

class HttpGatewayApiSource implements GatewayApiSource {
  constructor(readonly name: string) {}

  async read(version: string): Promise<{ data: Buffer }> {
    return { data: await httpGet(`${this.name.replace(/\/+$/, '')}/${version}/${GATEWAY_API_FILE}`) };
  }
}

/** Opens a Gateway API source: an http(s) URL, or a folder relative to the project root. */
export function openGatewayApiSource(spec: string, root: string): GatewayApiSource {
  if (isUrl(spec)) return new HttpGatewayApiSource(spec);
  return new FolderGatewayApiSource(spec, path.resolve(root, spec));
}

/** Thrown when a fetched file is not the standard-channel CRDs of the release asked for. */
class BadBundle extends Error {}

const BUNDLE_VERSION = 'gateway.networking.k8s.io/bundle-version';
const CHANNEL = 'gateway.networking.k8s.io/channel';
const GROUP = 'gateway.networking.k8s.io';

/**
 * Checks that a file is what its name says: YAML whose CustomResourceDefinitions (at
 * least one) are Gateway API's, annotated with this release and the standard channel.
 * A page of HTML, the experimental channel or another release is refused.
 */
function checkBundle(data: Buffer, version: string): void {
  const docs = parseAllDocuments(data.toString('utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  const broken = list.find(d => d.errors.length);
  if (broken) throw new BadBundle(`it is not valid YAML (${broken.errors[0].message.split('\n')[0]})`);
  const crds = list.map(d => d.toJS()).filter(o => o && o.apiVersion?.startsWith('apiextensions.k8s.io/') && o.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new BadBundle('it holds no CustomResourceDefinition');
  for (const crd of crds) {
    const name = String(crd.metadata?.name);
    const annotations = crd.metadata?.annotations ?? {};
    if (crd.spec?.group !== GROUP) throw new BadBundle(`its CustomResourceDefinition ${name} is of group ${crd.spec?.group}, not ${GROUP}`);
    if (annotations[BUNDLE_VERSION] !== version) throw new BadBundle(`its CustomResourceDefinition ${name} is from Gateway API ${annotations[BUNDLE_VERSION] ?? '(no bundle-version)'}, not ${version}`);
    if (annotations[CHANNEL] !== 'standard') throw new BadBundle(`its CustomResourceDefinition ${name} is of the ${annotations[CHANNEL] ?? '(no)'} channel, not standard`);
  }
}

/** How a lock entry is named in messages: `istio["1.30.3"].gatewayApi` (or several). */
export type PinOwner = string;

interface FetchedGatewayApi {
  readonly data: Buffer;
  readonly source: GatewayApiSource;
  /** Whether the source vouched for the file (SHA256SUMS). */
  readonly published: boolean;
}

/** Fetches one release's file from the first source that has it, verifying it against the source's sums and the lock. */
async function fetchGatewayApi(sources: readonly GatewayApiSource[], version: string, pinned: string | undefined, owner: PinOwner): Promise<FetchedGatewayApi> {
  const reasons: string[] = [];
  const what = `Gateway API ${version}: ${version}/${GATEWAY_API_FILE}`;
  for (const source of sources) {
    let read: { readonly data: Buffer; readonly published?: string };
    try {
      read = await source.read(version);
    } catch (err) {
      if (!(err instanceof SourceUnavailable)) throw err;
      reasons.push(`${source.name}: ${err.message}`);
      continue;
    }
    const actual = sha256(read.data);
    // A source that has the file but serves a wrong one is an error, not a reason to try
    // the next source: a tampered mirror must be noticed, not routed around.
    if (read.published && read.published !== actual) {
      throw new UserError(
        `${what} from ${source.name} has sha256 ${actual}, but that folder's ${GATEWAY_API_SUMS} says ${read.published}: ` +
        'the file is corrupt or was replaced. Nothing was written; fix or replace the source.',
      );
    }
    if (pinned && pinned !== actual) {
      throw new UserError(
        `${what} from ${source.name} has sha256 ${actual}, but ${LOCK_FILE} pins ${pinned} (${owner}.sha256). Nothing was written. ` +
        `If that source is trusted and the change intended (another mirror, a re-released file), re-pin it: remove ${owner} from ${LOCK_FILE}, then npm run vendor`,
      );
    }
    try {
      checkBundle(read.data, version);
    } catch (err) {
      if (!(err instanceof BadBundle)) throw err;
      throw new UserError(`${what} from ${source.name} cannot be used: ${err.message}. Nothing was written.`);
    }
    return { data: read.data, source, published: read.published !== undefined };
  }
  throw new UserError(
    `Gateway API ${version} (${GATEWAY_API_FILE}) could not be fetched from any source:\n  - ${reasons.join('\n  - ')}\n` +
    `Set ${GATEWAY_API_MIRROR_ENV} to a folder (<version>/${GATEWAY_API_FILE} and ${GATEWAY_API_SUMS}) or a URL (<url>/<version>/${GATEWAY_API_FILE}), ` +
    `or fix "gatewayApiSources" in ${LOCK_FILE}.`,
  );
}

/** One Gateway API release fetched, verified and written into a staging folder with its record. */
export interface StagedGatewayApi {
  /** The staged folder, `<staging>/gateway-api-<version>`. */
  readonly dir: string;
  /** What the lock pins for it. */
  readonly entry: GatewayApiLockEntry;
  /** The record written beside the file. */
  readonly record: GatewayApiRecord;
  /** Neither the source (no SHA256SUMS) nor the lock vouched for it: it is pinned as first fetched. */
  readonly firstFetch: boolean;
}

/**
 * Fetches one Gateway API release, verifies it (against the source's SHA256SUMS, and
 * `pinned` when given) and writes it with its record below `stagingDir`.
 */
export async function stageGatewayApi(sources: readonly GatewayApiSource[], version: string, pinned: string | undefined, owner: PinOwner, stagingDir: string): Promise<StagedGatewayApi> {
  const fetched = await fetchGatewayApi(sources, version, pinned, owner);
  const dir = path.join(stagingDir, `gateway-api-${version}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, GATEWAY_API_FILE), fetched.data);
  const digest = sha256(fetched.data);
  const record: GatewayApiRecord = { version, file: GATEWAY_API_FILE, sha256: digest, source: fetched.source.name };
  writeGatewayApiRecord(dir, record);
  return { dir, entry: { version, file: GATEWAY_API_FILE, sha256: digest }, record, firstFetch: !fetched.published && pinned === undefined };
}
