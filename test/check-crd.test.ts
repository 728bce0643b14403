import { Crd, CrdIndex, validateCustomResource } from '../lib/check/crd-schema';
import { formatFieldError } from '../lib/check/field-error';
import { manifestsOf } from '../lib/manifests';

// Custom resources as the API server validates them on create, on a CRD of our own making
// whose schema holds one of each feature (upstream's own objects: check-upstream.test.ts).

const rule = (r: string, more: object = {}) => ({ 'x-kubernetes-validations': [{ rule: r, ...more }] });

const WIDGET_SCHEMA = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        min: { type: 'integer' },
        max: { type: 'integer', format: 'int32' },
        ratio: { type: 'number' },
        mode: { type: 'string', enum: ['A', 'B'], default: 'A' },
        timeout: { type: 'string', ...rule("duration(self) >= duration('1ms')", { message: 'must be at least 1ms' }) },
        path: {
          type: 'object',
          properties: { type: { type: 'string', default: 'Prefix' }, value: { type: 'string' } },
          ...rule("self.type != 'Prefix' || self.value.startsWith('/')", { message: 'a prefix starts with /' }),
        },
        hosts: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string', ...rule("!self.startsWith('*')", { messageExpression: "'host ' + self + ' is a wildcard'" }) } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['number', 'protocol'],
          items: { type: 'object', required: ['number'], properties: { number: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' }, name: { type: 'string' } } },
          ...rule('self.all(p, !has(p.name) || p.name.size() < 16)', { fieldPath: '.name', message: 'names are short', reason: 'FieldValueForbidden' }),
        },
        labels: { type: 'object', additionalProperties: { type: 'string', ...rule('self.size() <= 5', { message: 'label values are short' }) } },
        target: { type: 'object', properties: { namespace: { type: 'string' }, name: { type: 'string' } }, ...rule("!has(self.__namespace__) || self.__namespace__ != 'kube-system'", { message: 'not kube-system' }) },
        port: { 'x-kubernetes-int-or-string': true, ...rule('type(self) == int ? self > 0 : self.size() > 0', { message: 'a port or a name' }) },
        comment: { type: 'string', nullable: true },
        note: { type: 'string' },
        data: { type: 'string', format: 'byte' },
        at: { type: 'string', format: 'date-time' },
        address: { type: 'string', format: 'ipv4' },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true, ...rule("self.kind == 'ConfigMap'", { message: 'only ConfigMaps' }) },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        immutable: { type: 'string', ...rule('self == oldSelf', { message: 'immutable' }) },
        exotic: { type: 'string', ...rule("self.frobnicate() == 'x'") },
        addr: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
        code: { type: 'string', pattern: '(?i)^abc$' },
        token: { type: 'string', pattern: '^\\S+$' },
        window: { type: 'string', format: 'duration', ...rule("self <= duration('48h')", { message: 'at most two days' }) },
        since: { type: 'string', format: 'date-time', ...rule("self == timestamp('2024-01-01T10:00:00Z')", { message: 'the start' }) },
        note2: { type: 'string', nullable: true },
      },
      'x-kubernetes-validations': [
        { rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'min must not exceed max' },
        { rule: 'has(self.note2) ? self.note2.size() > 0 : true', message: 'a note is not empty' },
      ],
    },
    metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
  },
  ...rule("self.metadata.name.startsWith('w')", { message: 'widget names start with w' }),
};

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: WIDGET_SCHEMA } },
      { name: 'v0', served: false, storage: false, schema: { openAPIV3Schema: WIDGET_SCHEMA } },
    ],
  },
};

const crd: Crd = new CrdIndex(manifestsOf('crds.yaml', [CRD])).find('example.com', 'Widget')!;

function widget(spec: object, name = 'widget'): object {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'apps' }, spec };
}

/** Every finding as one line, the rules' after the schema's, unsupported rules last. */
function findings(object: object, version = 'v1'): string[] {
  const r = validateCustomResource(crd, version, object);
  return [...r.schema.map(formatFieldError), ...r.rules.map(formatFieldError), ...r.unsupported.map(u => `unsupported at ${u.path}: ${u.reason}`)];
}

describe('CEL rules (x-kubernetes-validations)', () => {
  test('a valid object passes every rule', () => {
    expect(findings(widget({
      min: 1, max: 2, ratio: 0.5, timeout: '2s', path: { value: '/a' }, hosts: ['a.example.com'],
      ports: [{ number: 80, name: 'http' }, { number: 80, protocol: 'UDP' }], labels: { a: 'b' },
      target: { namespace: 'apps', name: 'x' }, port: 'http', comment: null, data: 'aGVsbG8=', at: '2026-12-07T10:00:00Z',
      address: '10.0.0.1', template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } }, extra: { anything: [1, { x: 2 }] },
    }))).toEqual([]);
  });

  test('self is bound at the node carrying the rule, with its own message', () => {
    expect(findings(widget({ min: 3, max: 2 }))).toEqual(['spec: Invalid value: "object": min must not exceed max']);
  });

  test('a root rule sees metadata.name', () => {
    expect(findings(widget({}, 'gadget'))).toEqual(['Invalid value: "object": widget names start with w']);
  });

  test('rules under items run per element, under additionalProperties per value; messageExpression makes the message', () => {
    expect(findings(widget({ hosts: ['a.example.com', '*.example.com'], labels: { a: 'ok', b: 'too-long' } }))).toEqual([
      'spec.hosts[1]: Invalid value: "string": host *.example.com is a wildcard',
      'spec.labels[b]: Invalid value: "string": label values are short',
    ]);
  });

  test('fieldPath and reason decide where and how a failure is reported', () => {
    expect(findings(widget({ ports: [{ number: 1, name: 'a-very-long-port-name' }] }))).toEqual([
      'spec.ports.name: Forbidden: names are short',
    ]);
  });

  test('defaults are applied before the rules (an absent path type is Prefix), without changing the object', () => {
    const w = widget({ path: { value: 'no-slash' } });
    const before = JSON.stringify(w);
    expect(findings(w)).toEqual(['spec.path: Invalid value: "object": a prefix starts with /']);
    expect(findings(widget({ path: { type: 'Exact', value: 'no-slash' } }))).toEqual([]);
    expect(JSON.stringify(w)).toBe(before);
  });

  test('a property named like a CEL keyword is reached as __namespace__', () => {
    expect(findings(widget({ target: { namespace: 'kube-system' } }))).toEqual(['spec.target: Invalid value: "object": not kube-system']);
  });

  test('int-or-string is an int or a string to the rules', () => {
    expect(findings(widget({ port: 0 }))).toEqual(['spec.port: Invalid value: "object": a port or a name']);
    expect(findings(widget({ port: 8080 }))).toEqual([]);
  });

  test('an embedded resource exposes apiVersion and kind', () => {
    expect(findings(widget({ template: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } } }))).toEqual([
      'spec.template: Invalid value: "object": only ConfigMaps',
    ]);
  });

  test('durations compare as durations: 0.5ms is under 1ms', () => {
    expect(findings(widget({ timeout: '0.5ms' }))).toEqual(['spec.timeout: Invalid value: "string": must be at least 1ms']);
  });

  test('a rule that fails to evaluate refuses the object, as the server does', () => {
    expect(findings(widget({ path: { type: 'Prefix' } }))).toEqual([
      expect.stringMatching(/^spec\.path: Invalid value: "object": .*value.* evaluating rule: a prefix starts with \/$/),
    ]);
  });

  test('a transition rule (oldSelf) does not apply on create', () => {
    expect(findings(widget({ immutable: 'x' }))).toEqual([]);
  });

  test('a rule calling a function the evaluator lacks is reported, never passed', () => {
    expect(findings(widget({ exotic: 'x' }))).toEqual(['unsupported at spec.exotic: it calls frobnicate(), which this evaluator does not have']);
  });

  test('rules on absent or null fields do not run', () => {
    expect(findings(widget({ comment: null, timeout: undefined }))).toEqual([]);
  });
});

describe('schema semantics of the API server', () => {
  test('a format inside anyOf is checked (an address that is neither IPv4 nor IPv6)', () => {
    expect(findings(widget({ addr: '10.0.0.1' }))).toEqual([]);
    expect(findings(widget({ addr: 'not-an-ip' }))).toEqual([
      'spec.addr: Invalid value: "not-an-ip": spec.addr in body must validate at least one schema (anyOf)',
    ]);
  });

  test('patterns are Go\'s (RE2): (?i) works, \\S is ASCII only', () => {
    expect(findings(widget({ code: 'ABC', token: 'a\u00a0b' }))).toEqual([]);
    expect(findings(widget({ code: 'abd' }))).toEqual([
      "spec.code: Invalid value: \"abd\": spec.code in body should match '(?i)^abc$'",
    ]);
  });

  test('the server\'s duration and date-time: 1d2h and "5 mins" are durations, a time without a zone is UTC', () => {
    expect(findings(widget({ window: '1d2h' }))).toEqual([]);
    expect(findings(widget({ window: '5 mins' }))).toEqual([]);
    expect(findings(widget({ window: '3d' }))).toEqual(['spec.window: Invalid value: "string": at most two days']);
    expect(findings(widget({ since: '2024-01-01T10:00:00' }))).toEqual([]);
    expect(findings(widget({ data: '' }))).toEqual(['spec.data: Invalid value: "": spec.data in body must be of type byte: ""', expect.stringMatching(/^Invalid value: some validation rules/)]);
  });

  test('metadata is ObjectMeta: a CRD narrows its name, never prunes its labels or namespace', () => {
    expect(findings({ ...widget({}), metadata: { name: 'widget', namespace: 'apps', labels: { a: 'b' }, annotations: { c: 'd' } } })).toEqual([]);
    expect(findings(widget({}, 'widget-with-a-very-long-name'))).toEqual([
      'metadata.name: Too long: may not be more than 20 bytes',
      expect.stringMatching(/^Invalid value: some validation rules/),
    ]);
  });

  test('a null property is absent to the rules', () => {
    expect(findings(widget({ note2: null }))).toEqual([]);
    expect(findings(widget({ note2: '' }))).toEqual(['spec: Invalid value: "object": a note is not empty']);
  });

  test('list-type map: two items with the same keys (a defaulted key counts) are a Duplicate', () => {
    expect(findings(widget({ ports: [{ number: 80 }, { number: 80, protocol: 'TCP' }, { number: 80, protocol: 'UDP' }] }))).toEqual([
      'spec.ports[1]: Duplicate value: {"number":80,"protocol":"TCP"}',
    ]);
  });

  test('list-type set: a repeated item is a Duplicate', () => {
    expect(findings(widget({ hosts: ['a.example.com', 'b.example.com', 'a.example.com'] }))).toEqual([
      'spec.hosts[2]: Duplicate value: "a.example.com"',
    ]);
  });

  test('null is dropped from a non-nullable field, kept (and valid) in a nullable one', () => {
    expect(findings(widget({ note: null, comment: null }))).toEqual([]);
  });

  test('type, enum, required and unknown fields in the server\'s words; they stop the rules from running', () => {
    expect(findings(widget({ min: 'one', mode: 'C', ports: [{ name: 'x' }], typo: 1 }))).toEqual([
      'spec.typo: field not declared in schema',
      'spec.min: Invalid value: "one": spec.min in body must be of type integer: "string"',
      'spec.mode: Unsupported value: "C": supported values: "A", "B"',
      'spec.ports[0].number: Required value',
      'Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('formats the server checks (byte, date-time, ipv4) are checked; int32 range is not, as on the server', () => {
    expect(findings(widget({ data: 'not base64!', at: 'yesterday', address: '10.0.0.300', max: 2 ** 40 }))).toEqual([
      'spec.data: Invalid value: "not base64!": spec.data in body must be of type byte: "not base64!"',
      'spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"',
      'spec.address: Invalid value: "10.0.0.300": spec.address in body must be of type ipv4: "10.0.0.300"',
      'Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('x-kubernetes-preserve-unknown-fields keeps any field; other objects refuse undeclared ones', () => {
    expect(findings(widget({ extra: { a: { b: [1] } } }))).toEqual([]);
    expect(findings(widget({ path: { value: '/a', kind: 'x' } }))).toEqual(['spec.path.kind: field not declared in schema']);
  });

  test('an embedded resource\'s apiVersion is read as the server reads it (group/version, any case)', () => {
    expect(findings(widget({ template: { apiVersion: 'example.com/V1beta1', kind: 'ConfigMap' } }))).toEqual([]);
    expect(findings(widget({ template: { apiVersion: 'a/b/c', kind: 'ConfigMap' } }))).toEqual([
      'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
    ]);
  });

  test('an embedded resource needs apiVersion and kind', () => {
    expect(findings(widget({ template: { metadata: { name: 'c' } } }))).toEqual([
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
      'Invalid value: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  test('a version the CRD does not serve is refused', () => {
    expect(findings({ ...widget({}), apiVersion: 'example.com/v0' }, 'v0')).toEqual([
      'apiVersion: Invalid value: "example.com/v0": version v0 is not served by CustomResourceDefinition widgets.example.com (served: v1)',
    ]);
  });
});
