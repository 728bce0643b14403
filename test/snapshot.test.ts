import { createHash } from 'crypto';
import { Manifest, objectRef } from '../lib/manifests';
import { settings } from '../main';
import { renderMesh } from './render';

/**
 * CRDs are long verbatim upstream schemas (dist/ has them in full): the snapshot keeps
 * what a reviewer needs to notice a change, and a digest that changes with the rest.
 */
function snapshotView(m: Manifest): unknown {
  if (m.kind !== 'CustomResourceDefinition') return m.object;
  const { spec, metadata } = m.object;
  return {
    name: metadata.name,
    labels: metadata.labels,
    group: spec.group,
    scope: spec.scope,
    versions: spec.versions.map((v: any) => `${v.name}${v.served ? ' served' : ''}${v.storage ? ' storage' : ''}`),
    specSha256: createHash('sha256').update(JSON.stringify(spec)).digest('hex'),
  };
}

// One snapshot entry per object, named file + kind/namespace/name, so a PR diff names what changed.
describe('rendered objects of main.ts', () => {
  const { manifests } = renderMesh(settings);
  test.each(manifests.map(m => [`${m.file} ${objectRef(m)}`, m] as const))('%s', (_name, m) => {
    expect(snapshotView(m)).toMatchSnapshot();
  });
});
