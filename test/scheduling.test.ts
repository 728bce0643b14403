import { ApiObject, Testing } from 'cdk8s';
import { applyScheduling } from '../lib/stages/scheduling';
import { inMemoryChart } from './render';

const INFRA = { key: 'infra', operator: 'Exists' as const, effect: 'NoSchedule' as const };
const CNI = { key: 'cni.istio.io/not-ready', operator: 'Exists' };

function workload(kind: string, podSpec: object): object {
  const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i:1' }], ...podSpec } };
  if (kind === 'CronJob') return { apiVersion: 'batch/v1', kind, metadata: { name: 'x' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template } } } };
  if (kind === 'Pod') return { apiVersion: 'v1', kind, metadata: { name: 'x' }, spec: template.spec };
  return { apiVersion: 'apps/v1', kind, metadata: { name: 'x' }, spec: { template } };
}

function podSpecOf(obj: any): any {
  if (obj.kind === 'CronJob') return obj.spec.jobTemplate.spec.template.spec;
  if (obj.kind === 'Pod') return obj.spec;
  return obj.spec.template.spec;
}

/** Applies the scheduling to one object as a chart renders it, and returns the synthesised object. */
function patched(obj: object, scheduling: Parameters<typeof applyScheduling>[1]): any {
  const chart = inMemoryChart();
  const api = new ApiObject(chart, 'obj', obj as any);
  applyScheduling([api], scheduling);
  return Testing.synth(chart)[0];
}

describe('applyScheduling (the post-render guarantee)', () => {
  test.each(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'])(
    'adds a missing nodeSelector and tolerations to a %s pod template', kind => {
      const spec = podSpecOf(patched(workload(kind, {}), { nodeSelector: { pool: 'infra' }, tolerations: [INFRA] }));
      expect(spec.nodeSelector).toEqual({ pool: 'infra' });
      expect(spec.tolerations).toEqual([INFRA]);
    });

  test('merges into what the chart set: other selector keys stay, a conflicting key takes our value, tolerations are appended', () => {
    const obj = workload('Deployment', { nodeSelector: { zone: 'a', pool: 'general' }, tolerations: [CNI] });
    const spec = podSpecOf(patched(obj, { nodeSelector: { pool: 'infra', disk: 'ssd' }, tolerations: [INFRA] }));
    expect(spec.nodeSelector).toEqual({ zone: 'a', pool: 'infra', disk: 'ssd' });
    expect(spec.tolerations).toEqual([CNI, INFRA]);
  });

  test('a toleration the chart already has (with defaults spelled out or not) is not added twice', () => {
    const obj = workload('Deployment', { tolerations: [{ key: 'infra', operator: 'Exists', effect: 'NoSchedule', value: '' }] });
    expect(podSpecOf(patched(obj, { nodeSelector: {}, tolerations: [INFRA] })).tolerations).toHaveLength(1);
  });

  test('keys with "/" and "~" are escaped in the JSON patch paths', () => {
    const obj = workload('Deployment', { nodeSelector: { 'kubernetes.io/os': 'linux' } });
    const spec = podSpecOf(patched(obj, { nodeSelector: { 'node-role.example.com/infra': 'true', 'a~b': 'c' }, tolerations: [] }));
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'node-role.example.com/infra': 'true', 'a~b': 'c' });
  });

  test('objects without a pod template and empty scheduling are left alone', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } };
    expect(patched(cm, { nodeSelector: { pool: 'infra' }, tolerations: [INFRA] })).toEqual(cm);
    const deployment = workload('Deployment', { tolerations: [CNI] });
    expect(patched(deployment, { nodeSelector: {}, tolerations: [] })).toEqual(deployment);
  });
});
