import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { Construct } from 'constructs';
import { topologicalOrder } from '../lib/synth/construct-order';

/** A small xorshift generator: the same "random" apps on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return ((s >>> 0) % 1000) / 1000;
  };
}

/** An app of charts (some nested, some with plain constructs), objects and random acyclic dependencies. */
function randomApp(seed: number): App {
  const next = random(seed);
  const app = new App();
  const all: Construct[] = [];
  const charts: Chart[] = [];
  for (let c = 0; c < 2 + Math.floor(next() * 4); c++) {
    const parent = charts.length && next() < 0.3 ? charts[Math.floor(next() * charts.length)] : app;
    const chart = new Chart(parent, `c${c}`);
    charts.push(chart);
    all.push(chart);
    const group = next() < 0.5 ? new Construct(chart, 'group') : chart;
    if (group !== chart) all.push(group);
    for (let o = 0; o < 1 + Math.floor(next() * 4); o++) {
      all.push(new ApiObject(next() < 0.5 ? group : chart, `o${o}`, { apiVersion: 'v1', kind: 'ConfigMap' }));
    }
  }
  // Only from later-created to earlier-created constructs: acyclic, like stage chains.
  for (let i = 1; i < all.length; i++) {
    for (let j = 0; j < i; j++) if (next() < 0.15) all[i].node.addDependency(all[j]);
  }
  return app;
}

const paths = (cs: readonly { node: { path: string } }[]) => cs.map(c => c.node.path);

describe('topologicalOrder', () => {
  test.each(Array.from({ length: 40 }, (_, i) => i + 1))('is the order of cdk8s DependencyGraph.topology(), app and charts (seed %i)', seed => {
    const app = randomApp(seed);
    expect(paths(topologicalOrder(app))).toEqual(paths(new DependencyGraph(app.node).topology()));
    for (const chart of app.node.findAll().filter(c => c instanceof Chart)) {
      expect(paths(topologicalOrder(chart))).toEqual(paths(new DependencyGraph(chart.node).topology()));
    }
  });

  test('refuses a dependency cycle, naming it', () => {
    const app = new App();
    const a = new Chart(app, 'a');
    const b = new Chart(app, 'b');
    a.addDependency(b);
    b.addDependency(a);
    expect(() => topologicalOrder(app)).toThrow(/^Dependency cycle detected: (a => b => a|b => a => b)$/);
  });

  test('stays linear where cdk8s walks every path: 12 stages of 30 objects each, each stage after the one before', () => {
    const app = new App();
    let previous: Chart | undefined;
    for (let s = 0; s < 12; s++) {
      const stage = new Chart(app, `s${s}`);
      const objects = Array.from({ length: 30 }, (_, o) => new ApiObject(stage, `o${o}`, { apiVersion: 'v1', kind: 'ConfigMap' }));
      if (previous) for (const o of objects) o.node.addDependency(...previous.node.children);
      previous = stage;
    }
    // 30^12 paths: only a walk that remembers what it visited finishes.
    const order = topologicalOrder(app).filter(c => c instanceof ApiObject);
    expect(order).toHaveLength(360);
    expect(order.map(c => c.node.path.split('/')[0])).toEqual(Array.from({ length: 12 }, (_, s) => Array(30).fill(`s${s}`)).flat());
  });
});
