import { validateObjectMetadata, MetadataContext } from '../lib/check/metadata';
import { goQuote } from '../lib/check/field-error';
import { kindsWithNameRules } from '../lib/check/metadata/kind-names';
import {
  FORMATS,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  nameIsDNSSubdomain,
  validatePathSegmentName,
} from '../lib/check/metadata/names';
import { DNS_1035_LABEL, DNS_LABEL } from '../lib/settings/names';

// The API server's wording, spelled out here rather than built from the module's own
// constants, so a drift in either shows. Go's RegexError really does put two spaces after
// each example's comma.
const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NOT_STANDARD_FINALIZER = 'name is neither a standard finalizer name nor is it fully qualified';
const ANNOTATION_LIMIT = 256 * 1024;

describe('name formats, with the cases of Kubernetes\' own tests', () => {
  // staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go TestIsDNS1123Label
  test.each([
    'a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63),
  ])('IsDNS1123Label accepts %p', v => expect(isDNS1123Label(v)).toEqual([]));
  test.each([
    '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2',
    '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64),
  ])('IsDNS1123Label refuses %p', v => expect(isDNS1123Label(v)).not.toEqual([]));

  // validation_test.go TestIsDNS1123Subdomain
  test.each([
    'a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2',
    'a.a', 'ab.a', 'abc.a', 'a1.a', 'a-1.a', 'a--1--2--b.a', 'a.1', 'ab.1', 'abc.1', 'a1.1', 'a-1.1', 'a--1--2--b.1',
    '0.a', '01.a', '012.a', '1a.a', '1-a.a', '0.1', '01.1', '012.1', '1a.1', '1-a.1', '1--a--b--2.1',
    'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253),
  ])('IsDNS1123Subdomain accepts %p', v => expect(isDNS1123Subdomain(v)).toEqual([]));
  test.each([
    '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2',
    '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2',
    'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A',
    'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b', 'a'.repeat(254),
  ])('IsDNS1123Subdomain refuses %p', v => expect(isDNS1123Subdomain(v)).not.toEqual([]));

  // validation_test.go TestIsDNS1035Label
  test.each(['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)])('IsDNS1035Label accepts %p', v => expect(isDNS1035Label(v)).toEqual([]));
  test.each([
    '0', '01', '012', '1a', '1-a', '1--a--b--2', '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1',
    '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64),
  ])('IsDNS1035Label refuses %p', v => expect(isDNS1035Label(v)).not.toEqual([]));

  // validation_test.go TestIsQualifiedName
  test.each([
    'simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes', 'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num',
    '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123', 'requests.storage-foo',
    'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`,
  ])('IsQualifiedName accepts %p', v => expect(isQualifiedName(v)).toEqual([]));
  test.each([
    'nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc',
    'example.com/', '/simple', 'a'.repeat(64), `${'a'.repeat(254)}/abc`,
  ])('IsQualifiedName refuses %p', v => expect(isQualifiedName(v)).not.toEqual([]));

  // validation_test.go TestIsValidLabelValue
  test.each(['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), ''])(
    'IsValidLabelValue accepts %p', v => expect(isValidLabelValue(v)).toEqual([]));
  test.each(['nospecialchars%^=@', 'Tama-nui-te-rā.is.Māori.sun', '\\backslashes\\are\\bad', '-starts-with-dash', 'ends-with-dash-', '.starts.with.dot', 'ends.with.dot.', 'a'.repeat(64)])(
    'IsValidLabelValue refuses %p', v => expect(isValidLabelValue(v)).not.toEqual([]));

  test('each check says what the API server says, the length first', () => {
    expect(isDNS1123Subdomain('My.Name')).toEqual([SUBDOMAIN]);
    expect(isDNS1123Label('Bad_Name')).toEqual([LABEL]);
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
    expect(isDNS1035Label('1abc')).toEqual([DNS1035]);
    expect(isQualifiedName('a/b/c')).toEqual([`a qualified name ${NAME_PART.slice('name part '.length)} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`]);
    expect(isQualifiedName('Example.com/')).toEqual([`prefix part ${SUBDOMAIN}`, 'name part must be non-empty', NAME_PART]);
    expect(isValidLabelValue(`${'a'.repeat(63)}-`)).toEqual(['must be no more than 63 characters', LABEL_VALUE]);
    // Go's len() counts bytes: 32 two-byte characters are 64.
    expect(isValidLabelValue('é'.repeat(32))[0]).toBe('must be no more than 63 characters');
  });

  test('path segments: anything but ".", "..", "/" and "%" (rbac and the generic BeforeCreate check)', () => {
    expect(isValidPathSegmentName('system:auth-delegator')).toEqual([]);
    expect(isValidPathSegmentName('..')).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName('a/b%c')).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(validatePathSegmentName('.', true)).toEqual([]);
  });

  test('a generateName may end in a dash (Go masks it, with the character before)', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSSubdomain('web-', false)).toEqual([SUBDOMAIN]);
    expect(nameIsDNSSubdomain('web.-', true)).toEqual([]);
  });

  test('the reused regexes of lib/settings/names.ts are the Go formats', () => {
    expect(DNS_LABEL.source).toBe(`^${FORMATS.dns1123Label}$`);
    expect(DNS_1035_LABEL.source).toBe(`^${FORMATS.dns1035Label}$`);
  });

  test('values are quoted as Go %q quotes them', () => {
    expect(goQuote('a"b\\c\n\x01é\u00a0')).toBe('"a\\"b\\\\c\\n\\x01é\\u00a0"');
  });
});

const ctx = (group: string, kind: string, namespaced?: boolean, custom = false): MetadataContext => ({ group, kind, namespaced, custom });
const DEPLOYMENT = ctx('apps', 'Deployment', true);
const CONFIG_MAP = ctx('', 'ConfigMap', true);

type Case = readonly [string, MetadataContext, { readonly [key: string]: unknown }, readonly string[]];

/** An object with this metadata (and extra top-level fields). */
function object(metadata: unknown, extra: object = {}): { readonly [key: string]: unknown } {
  return { metadata, ...extra };
}

function problems(c: Case): string[] {
  return validateObjectMetadata(c[2], c[1]).map(p => `${p.path}: ${p.message}`);
}

const CRD_SPEC = { spec: { group: 'networking.istio.io', names: { plural: 'gateways', kind: 'Gateway' } } };
const OWNER = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: '6f0b0c1e-0000-4000-8000-000000000001' };

describe('validateObjectMetadata: names by kind', () => {
  const cases: Case[] = [
    ['a DNS-subdomain name with dots passes for a Deployment', DEPLOYMENT, object({ name: 'my.app', namespace: 'ns' }), []],
    ['an upper-case name does not', DEPLOYMENT, object({ name: 'My.Name', namespace: 'ns' }), [`metadata.name: Invalid value: "My.Name": ${SUBDOMAIN}`]],
    ['no name and no generateName', CONFIG_MAP, object({ namespace: 'ns' }), ['metadata.name: Required value: name or generateName is required']],
    ['no metadata at all', ctx('', 'Namespace', false), {}, ['metadata.name: Required value: name or generateName is required']],
    ['a generateName stands for the name', CONFIG_MAP, object({ generateName: 'web-', namespace: 'ns' }), []],
    ['a generateName is checked as a prefix', CONFIG_MAP, object({ generateName: 'Web-', namespace: 'ns' }), [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN}`]],
    // Go masks the dash only when there is more than it: a lone "-" is checked as it is.
    ['a generateName of a lone dash', CONFIG_MAP, object({ generateName: '-', namespace: 'ns' }), [`metadata.generateName: Invalid value: "-": ${SUBDOMAIN}`]],
    ['a Namespace is a DNS label', ctx('', 'Namespace', false), object({ name: 'istio-system' }), []],
    ['so it has no dots', ctx('', 'Namespace', false), object({ name: 'istio.system' }), ['metadata.name: Invalid value: "istio.system": must not contain dots']],
    ['a Service is a DNS-1035 label', ctx('', 'Service', true), object({ name: 'istiod', namespace: 'ns' }), []],
    ['so it starts with a letter', ctx('', 'Service', true), object({ name: '1istiod', namespace: 'ns' }), [`metadata.name: Invalid value: "1istiod": ${DNS1035}`]],
    ['a StatefulSet is a DNS label', ctx('apps', 'StatefulSet', true), object({ name: 'db.0', namespace: 'ns' }), ['metadata.name: Invalid value: "db.0": must not contain dots']],
    ['an RBAC name is a path segment, colons allowed', ctx('rbac.authorization.k8s.io', 'ClusterRole', false), object({ name: 'system:auth-delegator' }), []],
    ['but no slash', ctx('rbac.authorization.k8s.io', 'RoleBinding', true), object({ name: 'a/b', namespace: 'ns' }), ['metadata.name: Invalid value: "a/b": may not contain \'/\'']],
    ['a PodDisruptionBudget only gets the generic path-segment check', ctx('policy', 'PodDisruptionBudget', true), object({ name: 'Istiod_PDB', namespace: 'ns' }), []],
    ['which refuses a percent sign', ctx('policy', 'PodDisruptionBudget', true), object({ name: 'a%b', namespace: 'ns' }), ['metadata.name: Invalid value: "a%b": may not contain \'%\'']],
    ['a CRD is named <plural>.<group>', ctx('apiextensions.k8s.io', 'CustomResourceDefinition', false), object({ name: 'gateways.networking.istio.io' }, CRD_SPEC), []],
    ['or it is refused', ctx('apiextensions.k8s.io', 'CustomResourceDefinition', false), object({ name: 'gateway.networking.istio.io' }, CRD_SPEC), ['metadata.name: Invalid value: "gateway.networking.istio.io": must be spec.names.plural+"."+spec.group']],
    ['a custom resource is a DNS subdomain', ctx('networking.istio.io', 'Gateway', true, true), object({ name: 'ingress.gw', namespace: 'ns' }), []],
    ['so no underscore', ctx('networking.istio.io', 'Gateway', true, true), object({ name: 'ingress_gw', namespace: 'ns' }), [`metadata.name: Invalid value: "ingress_gw": ${SUBDOMAIN}`]],
    ['a kind not in the table is a DNS subdomain', ctx('example.com', 'Widget', undefined), object({ name: 'UPPER' }), [`metadata.name: Invalid value: "UPPER": ${SUBDOMAIN}`]],
    ['a CronJob name of 52 characters', ctx('batch', 'CronJob', true), object({ name: 'c'.repeat(52), namespace: 'ns' }), []],
    ['one of 53 leaves no room for the Job suffix', ctx('batch', 'CronJob', true), object({ name: 'c'.repeat(53), namespace: 'ns' }), [`metadata.name: Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`]],
    ['a system PriorityClass as the API server defines it', ctx('scheduling.k8s.io', 'PriorityClass', false), object({ name: 'system-node-critical' }, { value: 2000001000 }), []],
    ['any other system- name is reserved', ctx('scheduling.k8s.io', 'PriorityClass', false), object({ name: 'system-mesh' }, { value: 1000 }), ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mesh is not a known system priority class"]],
    ['an IPAddress is an IP in canonical form', ctx('networking.k8s.io', 'IPAddress', false), object({ name: '2001:db8::1' }), []],
    ['not upper-case hex', ctx('networking.k8s.io', 'IPAddress', false), object({ name: '2001:DB8::1' }), ['metadata.name: Invalid value: "2001:DB8::1": must be in canonical form ("2001:db8::1")']],
    ['nor zero-padded octets', ctx('networking.k8s.io', 'IPAddress', false), object({ name: '010.0.0.1' }), ['metadata.name: Invalid value: "010.0.0.1": must not have leading 0s']],
  ];
  test.each(cases)('%s', (...c) => expect(problems(c)).toEqual(c[3]));

  test('the table covers the kinds of the 13 groups the project renders', () => {
    expect(kindsWithNameRules()).toEqual(expect.arrayContaining([
      '/Namespace', '/Service', '/ConfigMap', '/Secret', '/ServiceAccount', 'apps/Deployment', 'apps/StatefulSet', 'batch/CronJob',
      'rbac.authorization.k8s.io/ClusterRole', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
      'apiextensions.k8s.io/CustomResourceDefinition', 'policy/PodDisruptionBudget', 'networking.k8s.io/NetworkPolicy',
      'autoscaling/HorizontalPodAutoscaler', 'scheduling.k8s.io/PriorityClass', 'storage.k8s.io/StorageClass',
      'coordination.k8s.io/Lease', 'discovery.k8s.io/EndpointSlice',
    ]));
  });
});

describe('validateObjectMetadata: namespace, labels, annotations, finalizers, owners', () => {
  const cases: Case[] = [
    ['a namespaced kind needs a namespace', CONFIG_MAP, object({ name: 'a' }), ['metadata.namespace: Required value']],
    ['a cluster-scoped kind takes none', ctx('rbac.authorization.k8s.io', 'ClusterRole', false), object({ name: 'a', namespace: 'ns' }), ['metadata.namespace: Forbidden: not allowed on this type']],
    ['scope unknown: no namespace is fine', ctx('example.com', 'Widget'), object({ name: 'a' }), []],
    ['but a present one is a DNS label', ctx('example.com', 'Widget'), object({ name: 'a', namespace: 'Team_A' }), [`metadata.namespace: Invalid value: "Team_A": ${LABEL}`]],
    ['generation 0', CONFIG_MAP, object({ name: 'a', namespace: 'ns', generation: 0 }), []],
    ['negative generation', CONFIG_MAP, object({ name: 'a', namespace: 'ns', generation: -1 }), ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']],
    ['prefixed label keys and empty values', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'istiod', 'istio.io/rev': '' } }), []],
    ['a label key with two slashes', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: { 'only/one/slash': 'x' } }), [
      `metadata.labels: Invalid value: "only/one/slash": a qualified name ${NAME_PART.slice('name part '.length)} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]],
    ['an upper-case label key prefix', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: { 'Example.com/abc': 'x' } }), [`metadata.labels: Invalid value: "Example.com/abc": prefix part ${SUBDOMAIN}`]],
    ['a label value starting with a dash', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: { app: '-web' } }), [`metadata.labels: Invalid value: "-web": ${LABEL_VALUE}`]],
    ['a label value of 64 characters', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: { app: 'v'.repeat(64) } }), [`metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`]],
    ['annotation keys are checked in lower case', CONFIG_MAP, object({ name: 'a', namespace: 'ns', annotations: { 'Example.com/abc': 'x' } }), []],
    // apimachinery api/validation objectmeta_test.go TestValidateAnnotations (name error cases)
    ['an annotation key with special characters, shown as written', CONFIG_MAP, object({ name: 'a', namespace: 'ns', annotations: { 'NoSpecialChars^=@': 'bar' } }), [`metadata.annotations: Invalid value: "NoSpecialChars^=@": ${NAME_PART}`]],
    ['finalizers with a domain, and Kubernetes\' own', DEPLOYMENT, object({ name: 'a', namespace: 'ns', finalizers: ['example.com/cleanup', 'kubernetes', 'orphan'] }), []],
    ['an unqualified finalizer on a core-validated kind', DEPLOYMENT, object({ name: 'a', namespace: 'ns', finalizers: ['example.com/x', 'cleanup'] }), [`metadata.finalizers[1]: Invalid value: "cleanup": ${NOT_STANDARD_FINALIZER}`]],
    ['is only a warning for a custom resource', ctx('networking.istio.io', 'Gateway', true, true), object({ name: 'a', namespace: 'ns', finalizers: ['cleanup'] }), []],
    ['a finalizer that is no qualified name, reported once', CONFIG_MAP, object({ name: 'a', namespace: 'ns', finalizers: ['example.com/a b', 'example.com/a b'] }), [`metadata.finalizers: Invalid value: "example.com/a b": ${NAME_PART}`]],
    ['orphan and foregroundDeletion together', CONFIG_MAP, object({ name: 'a', namespace: 'ns', finalizers: ['orphan', 'foregroundDeletion'] }), ['metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set']],
    ['a complete owner reference', DEPLOYMENT, object({ name: 'a', namespace: 'ns', ownerReferences: [{ ...OWNER, controller: true }] }), []],
    ['an owner reference without uid or version', DEPLOYMENT, object({ name: 'a', namespace: 'ns', ownerReferences: [{ ...OWNER, apiVersion: 'apps/', uid: '' }] }), [
      'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]],
    ['an Event as owner', DEPLOYMENT, object({ name: 'a', namespace: 'ns', ownerReferences: [{ ...OWNER, apiVersion: 'v1', kind: 'Event' }] }), [
      'metadata.ownerReferences: Invalid value: v1.OwnerReference{APIVersion:"v1", Kind:"Event", Name:"web-1", UID:"6f0b0c1e-0000-4000-8000-000000000001", Controller:(*bool)(nil), BlockOwnerDeletion:(*bool)(nil)}: /v1, Kind=Event is disallowed from being an owner',
    ]],
    ['two controllers', DEPLOYMENT, object({ name: 'a', namespace: 'ns', ownerReferences: [{ ...OWNER, controller: true }, { ...OWNER, name: 'web-2', controller: true }] }), [
      expect.stringMatching(/^metadata\.ownerReferences: Invalid value: \[\]v1\.OwnerReference\{.*\}: Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/web-1 and ReplicaSet\/web-2$/) as unknown as string,
    ]],
    ['managedFields of an apply', CONFIG_MAP, object({ name: 'a', namespace: 'ns', managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1' }] }), []],
    ['an operation that does not exist', CONFIG_MAP, object({ name: 'a', namespace: 'ns', managedFields: [{ manager: 'kubectl', operation: 'Patch' }] }), ['metadata.managedFields.operation: Invalid value: "Patch": must be `Apply` or `Update`']],
  ];
  test.each(cases)('%s', (...c) => expect(problems(c)).toEqual(c[3]));
});

describe('validateObjectMetadata: the 256 KiB of annotations, counted as Kubernetes counts them', () => {
  const withAnnotations = (annotations: { [key: string]: string }) => object({ name: 'a', namespace: 'ns', annotations });
  const TOO_LONG = `metadata.annotations: Too long: may not be more than ${ANNOTATION_LIMIT} bytes`;
  // apimachinery api/validation objectmeta_test.go TestValidateAnnotations (success and total-size cases)
  const cases: Case[] = [
    ['one key and a value one byte short of the limit', CONFIG_MAP, withAnnotations({ a: 'b'.repeat(ANNOTATION_LIMIT - 1) }), []],
    ['two halves one byte short each', CONFIG_MAP, withAnnotations({ a: 'b'.repeat(ANNOTATION_LIMIT / 2 - 1), c: 'd'.repeat(ANNOTATION_LIMIT / 2 - 1) }), []],
    ['one key and a value of the limit', CONFIG_MAP, withAnnotations({ a: 'b'.repeat(ANNOTATION_LIMIT) }), [TOO_LONG]],
    ['two halves', CONFIG_MAP, withAnnotations({ a: 'b'.repeat(ANNOTATION_LIMIT / 2), c: 'd'.repeat(ANNOTATION_LIMIT / 2) }), [TOO_LONG]],
    ['characters of two bytes count twice', CONFIG_MAP, withAnnotations({ a: 'é'.repeat(ANNOTATION_LIMIT / 2) }), [TOO_LONG]],
  ];
  test.each(cases)('%s', (...c) => expect(problems(c)).toEqual(c[3]));
});

describe('validateObjectMetadata: values of the wrong type are refused when decoded', () => {
  const cases: Case[] = [
    ['metadata that is no mapping', DEPLOYMENT, object('web'), ['metadata: json: cannot unmarshal string into Go struct field Deployment.metadata of type v1.ObjectMeta']],
    ['a number as label value', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: { version: 1.5 } }), ['metadata.labels: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string']],
    ['null as annotation value is an empty string', CONFIG_MAP, object({ name: 'a', namespace: 'ns', annotations: { note: null } }), []],
    ['labels as a list', CONFIG_MAP, object({ name: 'a', namespace: 'ns', labels: ['app=web'] }), ['metadata.labels: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string']],
    ['finalizers as one string', CONFIG_MAP, object({ name: 'a', namespace: 'ns', finalizers: 'kubernetes' }), ['metadata.finalizers: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string']],
    ['a fractional generation', CONFIG_MAP, object({ name: 'a', namespace: 'ns', generation: 1.5 }), ['metadata.generation: json: cannot unmarshal number 1.5 into Go struct field ObjectMeta.metadata.generation of type int64']],
  ];
  test.each(cases)('%s', (...c) => expect(problems(c)).toEqual(c[3]));
});
