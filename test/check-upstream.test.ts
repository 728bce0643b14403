import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { CrdIndex } from '../lib/check/crd-schema';
import { checkKinds } from '../lib/check/kinds';
import { manifestsOf } from '../lib/manifests';
import { corpusCrdIndex } from './fixtures/corpus-crds';

// Objects upstream tests against a real API server (istio/api tests/testdata, gateway-api
// tests/cel and its examples), each with what a server with the vendored CRDs does on
// create: check refuses exactly the refused ones (README.md in the corpus folder says
// where each comes from, and where upstream and the vendored CRDs disagree).

const CORPUS = path.join(__dirname, 'fixtures', 'upstream-corpus');

interface CorpusCase {
  readonly file: string;
  readonly name: string;
  readonly source: string;
  readonly expect: 'refused' | 'accepted';
  /** Upstream's expected error text, when the vendored CRD refuses it for upstream's reason. */
  readonly err?: string;
  readonly object: { readonly [key: string]: unknown };
}

function corpusCases(): CorpusCase[] {
  return fs.readdirSync(CORPUS).filter(f => f.endsWith('.yaml')).sort().flatMap(file =>
    (loadAll(fs.readFileSync(path.join(CORPUS, file), 'utf8')) as { [key: string]: any }[]).filter(Boolean).map(doc => {
      const object = Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith('_')));
      return {
        file, name: String(object.metadata?.name), source: String(doc._source), expect: doc._expect,
        // Where upstream disagrees with the vendored CRD (a _note), its message is not the vendored CRD's.
        err: doc._note === undefined && typeof doc._err === 'string' ? doc._err : undefined,
        object,
      };
    }));
}

const cases = corpusCases();
let crds: CrdIndex;
beforeAll(async () => { crds = await corpusCrdIndex(); });

/** What check says of one object on its own (kinds, schemas, rules and metadata), namespaced kinds in a namespace. */
function findings(c: CorpusCase): string[] {
  const [group, version] = String(c.object.apiVersion).split('/');
  const crd = crds.find(group, String(c.object.kind));
  if (!crd) throw new Error(`${c.file}: no CRD for ${c.object.apiVersion} ${c.object.kind}`);
  const metadata = { ...(c.object.metadata as object), ...(crd.scope === 'Namespaced' ? { namespace: 'corpus' } : {}) };
  const [m] = manifestsOf(c.file, [{ ...c.object, metadata }]);
  void version;
  return checkKinds([m], crds, '1.33.0').violations.map(v => `${v.rule}: ${v.detail}`);
}

test('the corpus is large enough and spread across kinds (at least 60 refused and 30 accepted)', () => {
  expect(cases.filter(c => c.expect === 'refused').length).toBeGreaterThanOrEqual(60);
  expect(cases.filter(c => c.expect === 'accepted').length).toBeGreaterThanOrEqual(30);
  expect(new Set(cases.map(c => c.object.kind)).size).toBeGreaterThanOrEqual(15);
});

test('docs/reference/check.md counts the corpus as it is', () => {
  const page = fs.readFileSync(path.join(__dirname, '..', 'docs', 'reference', 'check.md'), 'utf8').replace(/\s+/g, ' ');
  const refused = cases.filter(c => c.expect === 'refused').length;
  expect(page).toContain(`Parity is tested on upstream's own objects: ${cases.length} from`);
  expect(page).toContain(`(${refused} an API server refuses, ${cases.length - refused} it accepts)`);
});

describe.each(['refused', 'accepted'] as const)('objects an API server %s', expected => {
  test.each(cases.filter(c => c.expect === expected).map(c => [`${c.file} ${c.name} (${c.source.split(':').pop()})`, c] as const))('%s', (_title, c) => {
    const found = findings(c);
    expect(found.filter(f => f.startsWith('crd-rule-unsupported'))).toEqual([]);
    if (expected === 'accepted') {
      expect(found).toEqual([]);
    } else {
      expect(found).not.toEqual([]);
      // Where the refusal is the CRD's own message, check says it in those words.
      if (c.err) expect(found.join('\n')).toContain(c.err);
    }
  });
});
