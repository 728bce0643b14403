import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { locateHelm } from '../lib/helm';
import { withLocalYamlLoad } from '../lib/local-yaml-load';
import { PROJECT_ROOT } from '../lib/project-root';
import { vendoredCharts } from '../lib/vendor/vendor';
import { tempDir } from './render';

// Values that YAML 1.1 and 1.2 read differently, and empty documents cdk8s drops.
const TRICKY = `a: yes
b: 0775
c: on
d: 1_000
e: 0x1F
f: ~
g: "010"
h: 2001-12-14
i: 1e3
j: 1e+06
k: 190:20:30
l: .inf
m: 0b101
n: +12
o: Null
p: y
q: 2001-12-14t21:59:43.10-05:00
---
---
{}
---
list: [off, No, 1e3, .5, -.inf, .NaN]
base: &b {x: 1}
merged: {<<: *b, y: 2}
`;

describe('withLocalYamlLoad', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  test('parses exactly as cdk8s\'s own Yaml.load, on the rendered vendored charts and on YAML 1.1 edge cases', () => {
    const helm = locateHelm({ root: PROJECT_ROOT, env: {} });
    const charts = vendoredCharts(PROJECT_ROOT);
    const files = Object.entries(charts.dirs).map(([name, dir]) => {
      const r = spawnSync(helm, ['template', name, dir, '--namespace', 'istio-system', '--kube-version', '1.33.0'], { maxBuffer: 64 << 20 });
      expect(r.status).toBe(0);
      const file = path.join(t.dir, `${name}.yaml`);
      fs.writeFileSync(file, r.stdout);
      return file;
    });
    const tricky = path.join(t.dir, 'tricky.yaml');
    fs.writeFileSync(tricky, TRICKY);
    for (const file of [...files, tricky]) {
      const theirs = Yaml.load(file);
      const ours = withLocalYamlLoad(() => Yaml.load(file));
      expect(ours.length).toBeGreaterThan(0);
      expect(ours).toEqual(theirs);
    }
  });

  test('is in force only while the function runs', () => {
    const original = Yaml.load;
    let inside: unknown;
    withLocalYamlLoad(() => { inside = Yaml.load; });
    expect(inside).not.toBe(original);
    expect(Yaml.load).toBe(original);
    expect(() => withLocalYamlLoad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(Yaml.load).toBe(original);
  });
});
