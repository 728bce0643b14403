import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { RenderCache } from '../lib/render/render-cache';
import { writeManifests } from '../lib/synth/write-manifests';
import { tempDir } from './render';

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map(f => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

const cm = (scope: Chart, id: string, data: object) => new ApiObject(scope, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id }, data });

/** Builds the same app twice into two folders (cdk8s's synth and ours), with what makes App.synth interesting. */
function buildApp(outdir: string, withDependencies: boolean): App {
  const app = new App({ outdir });
  const first = new Chart(app, 'first');
  const second = new Chart(app, 'second');
  const nested = new Chart(second, 'nested');
  const a = cm(first, 'a', { yes: 'yes', octal: '0775', undef: undefined, multi: 'x\ny\n' });
  const b = cm(second, 'b', { list: [1, undefined, 'on'] } as object);
  cm(nested, 'n', { k: 'v' });
  cm(first, 'z', { k: 'v' });
  if (withDependencies) {
    // An object depending on an object of another chart: charts and objects get ordered.
    a.addDependency(b);
  }
  return app;
}

describe('writeManifests', () => {
  test.each([['with dependencies between charts', true], ['without', false]])('writes what app.synth() writes, byte for byte (%s)', (_name, deps) => {
    const t = tempDir();
    try {
      buildApp(path.join(t.dir, 'cdk8s'), deps).synth();
      const ours = path.join(t.dir, 'ours');
      const cache = new RenderCache(path.join(t.dir, 'cache'));
      expect(writeManifests(buildApp(ours, deps), cache).sort()).toEqual(Object.keys(filesOf(path.join(t.dir, 'cdk8s'))));
      expect(filesOf(ours)).toEqual(filesOf(path.join(t.dir, 'cdk8s')));
      // Again, with every file's text from the cache.
      const again = path.join(t.dir, 'again');
      writeManifests(buildApp(again, deps), cache);
      expect(filesOf(again)).toEqual(filesOf(path.join(t.dir, 'cdk8s')));
    } finally {
      t.cleanup();
    }
  });

  test('the cache never confuses documents that JSON would write alike (NaN, null, -0, 0)', () => {
    const t = tempDir();
    try {
      const cache = new RenderCache(path.join(t.dir, 'cache'));
      const write = (name: string, value: unknown) => {
        const app = new App({ outdir: path.join(t.dir, name) });
        cm(new Chart(app, 'c'), 'x', { v: value } as object);
        writeManifests(app, cache);
        return fs.readFileSync(path.join(t.dir, name, 'c.k8s.yaml'), 'utf8');
      };
      const texts = [write('nan', NaN), write('null', null), write('minus-zero', -0), write('zero', 0)];
      expect(new Set(texts).size).toBe(4);
    } finally {
      t.cleanup();
    }
  });
});
