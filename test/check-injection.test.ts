import { CheckExpectations, checkManifestList } from '../lib/check/check';
import { checkDefaultValidator } from '../lib/check/default-validator';
import { checkInjection, checkSystemInjection } from '../lib/check/injection';
import { formatLabels, labelSelectorProblem, matchesLabelSelector } from '../lib/check/label-selectors';
import { checkWebhookServices } from '../lib/check/structure';
import { formatViolation, Violation } from '../lib/check/violation';
import { checkWebhookSelectors } from '../lib/check/webhooks';
import { Manifest } from '../lib/manifests';

// Selection proofs (docs/design.md, decision 14): which webhook injects and validates what, from
// the manifests alone. Fixtures are written by hand after Istio's istiod, base and gateway
// charts (mutatingwebhook.yaml, revision-tags-mwc.yaml, validatingwebhookconfiguration.yaml,
// defaultrevision-validatingwebhookconfiguration.yaml), so they depend on no Istio version
// and on nothing in main.ts.

const ISTIO = 'istio-system';
const expected: CheckExpectations = { kubeVersion: '1.33.0', istiodScheduling: { nodeSelector: {}, tolerations: [] }, gateways: [] };

type Obj = { [key: string]: any };
type Selector = { matchLabels?: Obj; matchExpressions?: Obj[] };

/** Manifests as the checker reads them, file by file (name → objects). */
function manifests(files: { readonly [file: string]: readonly Obj[] }): Manifest[] {
  return Object.entries(files).flatMap(([file, objects]) => objects.map((object, index) => ({
    file, index, object,
    apiVersion: String(object.apiVersion), kind: String(object.kind),
    namespace: String(object.metadata.namespace ?? ''), name: String(object.metadata.name),
  })));
}

const expr = (key: string, operator: string, values?: string[]): Obj => ({ key, operator, ...(values ? { values } : {}) });

function namespace(name: string, labels?: Obj): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } };
}

/** istiod's Service name for a revision ('' is the default revision). */
const istiodName = (revision: string): string => (revision ? `istiod-${revision}` : 'istiod');

/** One injection webhook as the istiod chart's "core" template renders it. */
function injectorWebhook(prefix: string, revision: string, namespaceSelector: Selector, objectSelector: Selector): Obj {
  return {
    name: `${prefix}sidecar-injector.istio.io`,
    clientConfig: { service: { name: istiodName(revision), namespace: ISTIO, path: '/inject', port: 443 } },
    sideEffects: 'None',
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
    admissionReviewVersions: ['v1'],
    namespaceSelector,
    objectSelector,
  };
}

/** The webhooks that select by a revision or tag name (`rev.namespace.`, `rev.object.`). */
function revisionWebhooks(name: string, revision: string): Obj[] {
  return [
    injectorWebhook('rev.namespace.', revision,
      { matchExpressions: [expr('istio.io/rev', 'In', [name]), expr('istio-injection', 'DoesNotExist')] },
      { matchExpressions: [expr('sidecar.istio.io/inject', 'NotIn', ['false'])] }),
    injectorWebhook('rev.object.', revision,
      { matchExpressions: [expr('istio.io/rev', 'DoesNotExist'), expr('istio-injection', 'DoesNotExist')] },
      { matchExpressions: [expr('sidecar.istio.io/inject', 'NotIn', ['false']), expr('istio.io/rev', 'In', [name])] }),
  ];
}

/** The default revision's webhooks (`namespace.`, `object.`, and `auto.` with enableNamespacesByDefault). */
function defaultWebhooks(revision: string, o: { enableNamespacesByDefault?: boolean } = {}): Obj[] {
  return [
    injectorWebhook('namespace.', revision,
      { matchExpressions: [expr('istio-injection', 'In', ['enabled'])] },
      { matchExpressions: [expr('sidecar.istio.io/inject', 'NotIn', ['false'])] }),
    injectorWebhook('object.', revision,
      { matchExpressions: [expr('istio-injection', 'DoesNotExist'), expr('istio.io/rev', 'DoesNotExist')] },
      { matchExpressions: [expr('sidecar.istio.io/inject', 'In', ['true']), expr('istio.io/rev', 'DoesNotExist')] }),
    ...(o.enableNamespacesByDefault ? [injectorWebhook('auto.', revision,
      { matchExpressions: [expr('istio-injection', 'DoesNotExist'), expr('istio.io/rev', 'DoesNotExist'), expr('kubernetes.io/metadata.name', 'NotIn', ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'])] },
      { matchExpressions: [expr('sidecar.istio.io/inject', 'DoesNotExist'), expr('istio.io/rev', 'DoesNotExist')] })] : []),
  ];
}

function mutating(name: string, webhooks: Obj[], labels: Obj = {}): Obj {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name, labels }, webhooks };
}

/** `istio-sidecar-injector[-<revision>]`: the default webhooks too when the revision is ''. */
function sidecarInjector(revision: string, o: { enableNamespacesByDefault?: boolean } = {}): Obj {
  return mutating(revision ? `istio-sidecar-injector-${revision}` : 'istio-sidecar-injector', [
    ...revisionWebhooks(revision || 'default', revision),
    ...(revision ? [] : defaultWebhooks(revision, o)),
  ], { 'istio.io/rev': revision || 'default' });
}

/** `istio-revision-tag-<tag>`, rendered by revision `revision`'s istiod release (value revisionTags). */
function revisionTag(tag: string, revision: string): Obj {
  return mutating(`istio-revision-tag-${tag}`, [...revisionWebhooks(tag, revision), ...(tag === 'default' ? defaultWebhooks(revision) : [])],
    { 'istio.io/tag': tag, 'istio.io/rev': revision || 'default' });
}

function validatingWebhook(name: string, revision: string, objectSelector?: Selector): Obj {
  return {
    name,
    clientConfig: { service: { name: istiodName(revision), namespace: ISTIO, path: '/validate' } },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'], apiVersions: ['*'], resources: ['*'] }],
    failurePolicy: 'Ignore',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...(objectSelector ? { objectSelector } : {}),
  };
}

function validating(name: string, webhooks: Obj[]): Obj {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name }, webhooks };
}

/** The istiod chart's `istio-validator[-<revision>]-istio-system`: only config labelled with its revision. */
function revisionValidator(revision: string): Obj {
  return validating(`istio-validator${revision ? `-${revision}` : ''}-${ISTIO}`, [
    validatingWebhook('rev.validation.istio.io', revision, { matchExpressions: [expr('istio.io/rev', 'In', [revision || 'default'])] }),
  ]);
}

/** The base chart's `istiod-default-validator` (value defaultRevision): config without labels. */
function defaultValidator(revision: string): Obj {
  return validating('istiod-default-validator', [validatingWebhook('validation.istio.io', revision)]);
}

function istiodService(revision: string): Obj {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name: istiodName(revision), namespace: ISTIO },
    spec: { ports: [{ name: 'https-webhook', port: 443, targetPort: 15017 }], selector: revision ? { app: 'istiod', 'istio.io/rev': revision } : { app: 'istiod', istio: 'pilot' } },
  };
}

function deployment(ns: string, name: string, podLabels: Obj, o: { image?: string; annotations?: Obj } = {}): Obj {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...podLabels }, ...(o.annotations ? { annotations: o.annotations } : {}) },
        spec: { containers: [{ name: 'main', image: o.image ?? 'example.com/app:1.0.0' }] },
      },
    },
  };
}

function istiodDeployment(revision: string): Obj {
  const d = deployment(ISTIO, istiodName(revision), {
    app: 'istiod', 'istio.io/rev': revision || 'default', 'sidecar.istio.io/inject': 'false', istio: revision ? 'istiod' : 'pilot',
  }, { image: 'docker.io/istio/pilot:1.0.0', annotations: { 'sidecar.istio.io/inject': 'false' } });
  d.spec.selector.matchLabels = { app: 'istiod', 'istio.io/rev': revision || 'default' };
  return d;
}

/** An istiod release: Service, Deployment, injector, validator, and the revision tags it renders. */
function istiodRelease(revision: string, tags: string[] = []): Obj[] {
  return [istiodService(revision), istiodDeployment(revision), sidecarInjector(revision), ...tags.map(t => revisionTag(t, revision)), revisionValidator(revision)];
}

/** A gateway chart Deployment: the proxy with image auto, injected with the gateway template. */
function gateway(ns: string, name: string, revision = ''): Obj {
  return deployment(ns, name, { 'sidecar.istio.io/inject': 'true', ...(revision ? { 'istio.io/rev': revision } : {}) },
    { image: 'auto', annotations: { 'inject.istio.io/templates': 'gateway', 'sidecar.istio.io/inject': 'true' } });
}

/**
 * A canary upgrade in progress, done right: revisions stable and canary side by side, tag
 * prod on stable, tag default on canary (base chart defaultRevision canary), app
 * namespaces on each, a gateway pinned to canary and one following the default tag.
 */
function canary(o: { istiod?: Obj[]; base?: Obj[]; apps?: Obj[]; gateways?: Obj[] } = {}): { [file: string]: Obj[] } {
  return {
    '0000-namespaces.yaml': [namespace(ISTIO), namespace('edge')],
    '0001-istio-base.yaml': o.base ?? [defaultValidator('canary')],
    '0002-istiod.yaml': o.istiod ?? [...istiodRelease('stable', ['prod']), ...istiodRelease('canary', ['default'])],
    '0003-gateways.yaml': o.gateways ?? [gateway('edge', 'ingress', 'canary'), gateway('edge', 'egress')],
    '0004-apps.yaml': o.apps ?? [
      namespace('shop', { 'istio-injection': 'enabled', team: 'commerce' }),
      namespace('payments', { 'istio.io/rev': 'prod' }),
      namespace('lab', { 'istio.io/rev': 'canary' }),
      deployment('shop', 'web', {}),
      // Opting one pod in explicitly is allowed anywhere, kube-system too.
      deployment('kube-system', 'opted-in', { 'sidecar.istio.io/inject': 'true' }),
    ],
  };
}

/** The single-revision form (today's dist/): istiod of the default revision, base chart's default validator. */
function singleRevision(): { [file: string]: Obj[] } {
  return canary({
    base: [defaultValidator('')],
    istiod: istiodRelease(''),
    gateways: [gateway('edge', 'ingress')],
    apps: [namespace('shop', { 'istio-injection': 'enabled' }), namespace('lab', { 'istio.io/rev': 'default' }), deployment('shop', 'web', {})],
  });
}

const check = (files: { readonly [file: string]: readonly Obj[] }): string[] => checkManifestList(manifests(files), expected).map(formatViolation);
const details = (vs: readonly Violation[]): string[] => vs.map(v => `${v.ref}: ${v.rule}: ${v.detail}`);

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };

  test.each([
    ['an absent selector', undefined, true],
    ['an empty selector', {}, true],
    ['matchLabels, all equal', { matchLabels: { app: 'web' } }, true],
    ['matchLabels, one differs', { matchLabels: { app: 'web', tier: 'back' } }, false],
    ['In', { matchExpressions: [expr('app', 'In', ['api', 'web'])] }, true],
    ['In, label missing', { matchExpressions: [expr('zone', 'In', ['a'])] }, false],
    ['NotIn, value listed', { matchExpressions: [expr('app', 'NotIn', ['web'])] }, false],
    ['NotIn, label missing', { matchExpressions: [expr('zone', 'NotIn', ['a'])] }, true],
    ['Exists', { matchExpressions: [expr('tier', 'Exists')] }, true],
    ['Exists, label missing', { matchExpressions: [expr('zone', 'Exists')] }, false],
    ['DoesNotExist', { matchExpressions: [expr('zone', 'DoesNotExist')] }, true],
    ['DoesNotExist, label present', { matchExpressions: [expr('app', 'DoesNotExist')] }, false],
    ['matchLabels and matchExpressions together (AND)', { matchLabels: { app: 'web' }, matchExpressions: [expr('tier', 'In', ['back'])] }, false],
    ['an invalid selector (In without values)', { matchExpressions: [expr('app', 'In', [])] }, false],
  ])('%s', (_name, selector, matches) => {
    expect(matchesLabelSelector(selector, labels)).toBe(matches);
  });

  test('invalid selectors are named, as the API server would refuse them', () => {
    expect(labelSelectorProblem({ matchExpressions: [expr('app', 'In', [])] })).toBe('matchExpressions[0] (app In) needs values');
    expect(labelSelectorProblem({ matchExpressions: [expr('app', 'Exists', ['x'])] })).toBe('matchExpressions[0] (app Exists) must have no values');
    expect(labelSelectorProblem({ matchExpressions: [expr('app', 'Equals', ['x'])] })).toBe('matchExpressions[0] has operator "Equals" (In, NotIn, Exists or DoesNotExist)');
    expect(labelSelectorProblem({ matchExpressions: [{ operator: 'Exists' }] })).toBe('matchExpressions[0] has no key');
    expect(labelSelectorProblem({ matchLabels: { a: 'b' }, matchExpressions: [expr('c', 'NotIn', ['d'])] })).toBeUndefined();
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
  });

  test('an invalid webhook selector is a webhook-selector violation', () => {
    const config = mutating('hooks', [{ ...injectorWebhook('x.', '', {}, {}), objectSelector: { matchExpressions: [expr('app', 'In', [])] } }]);
    expect(details(checkWebhookSelectors(manifests({ '0000-x.yaml': [config] })))).toEqual([
      'MutatingWebhookConfiguration/-/hooks: webhook-selector: webhook x.sidecar-injector.istio.io objectSelector: matchExpressions[0] (app In) needs values',
    ]);
  });
});

describe('correct fixtures pass every rule', () => {
  test('a canary upgrade: two revisions, revision tags, namespaces and gateways on each', () => {
    expect(check(canary())).toEqual([]);
  });

  test('a single default revision (the form of today\'s dist/)', () => {
    expect(check(singleRevision())).toEqual([]);
  });

  test('no Istio at all needs no injector and no validator', () => {
    expect(check({ '0000-apps.yaml': [namespace('plain'), deployment('plain', 'web', {})] })).toEqual([]);
  });
});

describe('rule: each app namespace and gateway is injected by exactly one webhook (injection)', () => {
  test('a gateway asking for one revision in a namespace labelled for another is injected by the wrong one', () => {
    const files = canary();
    files['0000-namespaces.yaml'] = [namespace(ISTIO), namespace('edge', { 'istio.io/rev': 'stable' })];
    files['0003-gateways.yaml'] = [gateway('edge', 'ingress', 'canary')];
    expect(check(files)).toEqual([
      expect.stringMatching(/^0003-gateways\.yaml: Deployment\/edge\/ingress: injection: asks for revision or tag canary \(istio\.io\/rev\) but is injected by MutatingWebhookConfiguration\/istio-sidecar-injector-stable of revision stable$/),
    ]);
  });

  test('a namespace labelled with a revision nothing renders is not injected', () => {
    const files = canary();
    files['0004-apps.yaml'].push(namespace('legacy', { 'istio.io/rev': '1-29' }));
    expect(check(files)).toEqual([
      '0004-apps.yaml: Namespace/-/legacy: injection: not injected: no sidecar-injector.istio.io webhook selects a pod without labels in it (namespace legacy labels istio.io/rev=1-29)',
    ]);
  });

  test('the old default-revision istiod beside a `default` tag: istio-injection=enabled namespaces and unpinned gateways are injected twice', () => {
    const files = canary({ istiod: [...istiodRelease(''), ...istiodRelease('canary', ['default'])], apps: [namespace('shop', { 'istio-injection': 'enabled' })] });
    expect(check(files)).toEqual([
      '0003-gateways.yaml: Deployment/edge/egress: injection: overlapping injectors: istio-sidecar-injector (object.sidecar-injector.istio.io), istio-revision-tag-default (object.sidecar-injector.istio.io) all select its pods (pod labels sidecar.istio.io/inject=true; namespace edge labels (none))',
      '0004-apps.yaml: Namespace/-/shop: injection: overlapping injectors: istio-sidecar-injector (namespace.sidecar-injector.istio.io), istio-revision-tag-default (namespace.sidecar-injector.istio.io) all select a pod without labels in it (namespace shop labels istio-injection=enabled)',
    ]);
  });

  test('a gateway whose inject flag is only an annotation, or that names a missing revision, is not injected', () => {
    const annotated = gateway('edge', 'annotated');
    delete annotated.spec.template.metadata.labels['sidecar.istio.io/inject'];
    const files = canary({ gateways: [annotated, gateway('edge', 'pinned', '1-29')] });
    expect(details(checkInjection(manifests(files)))).toEqual([
      'Deployment/edge/annotated: injection: not injected: no sidecar-injector.istio.io webhook selects its pods (pod labels (none); namespace edge labels (none)); sidecar.istio.io/inject is an annotation here, but webhooks select on labels',
      'Deployment/edge/pinned: injection: not injected: no sidecar-injector.istio.io webhook selects its pods (pod labels istio.io/rev=1-29,sidecar.istio.io/inject=true; namespace edge labels (none))',
    ]);
  });

  test('an injector that is not called on pod creation injects nothing', () => {
    const injector = sidecarInjector('');
    for (const w of injector.webhooks) w.rules = [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];
    const files = canary({ istiod: [istiodService(''), istiodDeployment(''), injector], apps: [namespace('shop', { 'istio-injection': 'enabled' })], gateways: [] });
    expect(details(checkInjection(manifests(files)))).toEqual([
      'Namespace/-/shop: injection: not injected: no sidecar-injector.istio.io webhook selects a pod without labels in it (namespace shop labels istio-injection=enabled)',
    ]);
  });
});

describe('rule: no injector selects plain pods in kube-system or istio-system (system-injection)', () => {
  test('enableNamespacesByDefault selects every unlabelled namespace, istio-system too (its exclusion list has kube-system only)', () => {
    const files = singleRevision();
    files['0002-istiod.yaml'] = files['0002-istiod.yaml'].map(o => (o.metadata.name === 'istio-sidecar-injector' ? sidecarInjector('', { enableNamespacesByDefault: true }) : o));
    expect(details(checkSystemInjection(manifests(files)))).toEqual([
      'MutatingWebhookConfiguration/-/istio-sidecar-injector: system-injection: webhook auto.sidecar-injector.istio.io selects a pod without labels in system namespace istio-system (namespace istio-system labels kubernetes.io/metadata.name=istio-system)',
    ]);
  });

  test('kube-system is checked though no file creates it, and istio-system labelled for injection injects its workloads', () => {
    const everywhere = mutating('inject-everything', [injectorWebhook('all.', '', {}, {})]);
    const files = singleRevision();
    files['0000-namespaces.yaml'][0] = namespace(ISTIO, { 'istio-injection': 'enabled' });
    files['0002-istiod.yaml'].push(everywhere, deployment(ISTIO, 'helper', {}));
    expect(details(checkSystemInjection(manifests(files)))).toEqual([
      'MutatingWebhookConfiguration/-/inject-everything: system-injection: webhook all.sidecar-injector.istio.io selects a pod without labels in system namespace kube-system (namespace kube-system labels (none))',
      'MutatingWebhookConfiguration/-/istio-sidecar-injector: system-injection: webhook namespace.sidecar-injector.istio.io selects a pod without labels in system namespace istio-system (namespace istio-system labels istio-injection=enabled)',
      'MutatingWebhookConfiguration/-/inject-everything: system-injection: webhook all.sidecar-injector.istio.io selects a pod without labels in system namespace istio-system (namespace istio-system labels istio-injection=enabled)',
      // istiod refuses injection (sidecar.istio.io/inject=false), except from a webhook that ignores the label.
      'Deployment/istio-system/istiod: system-injection: injected by inject-everything (all.sidecar-injector.istio.io) in system namespace istio-system, though it does not ask for injection (pod labels istio.io/rev=default,sidecar.istio.io/inject=false; namespace istio-system labels istio-injection=enabled)',
      'Deployment/istio-system/helper: system-injection: injected by istio-sidecar-injector (namespace.sidecar-injector.istio.io), inject-everything (all.sidecar-injector.istio.io) in system namespace istio-system, though it does not ask for injection (pod labels (none); namespace istio-system labels istio-injection=enabled)',
    ]);
  });

  test('correct: a gateway in istio-system asks for injection and gets it; istiod refuses it', () => {
    const files = singleRevision();
    files['0003-gateways.yaml'].push(gateway(ISTIO, 'istio-ingressgateway'));
    expect(check(files)).toEqual([]);
  });
});

describe('rule: every injection and validation webhook reaches a Service with pods (webhook-service)', () => {
  test('a revision tag pointing at a revision whose istiod is not rendered', () => {
    const files = canary();
    files['0002-istiod.yaml'].push(revisionTag('legacy', '1-29'));
    expect(details(checkWebhookServices(manifests(files)))).toEqual([
      'MutatingWebhookConfiguration/-/istio-revision-tag-legacy: webhook-service: webhook rev.namespace.sidecar-injector.istio.io calls Service istio-system/istiod-1-29, which is not in this folder',
      'MutatingWebhookConfiguration/-/istio-revision-tag-legacy: webhook-service: webhook rev.object.sidecar-injector.istio.io calls Service istio-system/istiod-1-29, which is not in this folder',
    ]);
  });

  test('the default validator pointing at a revision whose istiod Service is rendered but whose Deployment is not', () => {
    const files = canary();
    files['0002-istiod.yaml'] = files['0002-istiod.yaml'].filter(o => !(o.kind === 'Deployment' && o.metadata.name === 'istiod-canary'));
    expect(details(checkWebhookServices(manifests(files))).filter(d => d.includes('default-validator'))).toEqual([
      'ValidatingWebhookConfiguration/-/istiod-default-validator: webhook-service: webhook validation.istio.io calls Service istio-system/istiod-canary, whose selector app=istiod,istio.io/rev=canary matches no pod template in this folder',
    ]);
  });
});

describe('rule: exactly one default validator (default-validator)', () => {
  test('none, with an istiod rendered (base chart value defaultRevision empty)', () => {
    expect(check(canary({ base: [] }))).toEqual([
      '0002-istiod.yaml: Deployment/istio-system/istiod-stable: default-validator: no ValidatingWebhookConfiguration validates Istio config without an istio.io/rev label: the base chart renders istiod-default-validator when value defaultRevision names a revision',
    ]);
  });

  test('two: a revision validator without its objectSelector validates unlabelled config too', () => {
    const files = canary();
    const unselective = revisionValidator('stable');
    delete unselective.webhooks[0].objectSelector;
    files['0002-istiod.yaml'] = files['0002-istiod.yaml'].map(o => (o.metadata.name === unselective.metadata.name ? unselective : o));
    expect(check(files)).toEqual([
      '0001-istio-base.yaml: ValidatingWebhookConfiguration/-/istiod-default-validator: default-validator: one of 2 default validators (istiod-default-validator, istio-validator-stable-istio-system): each validates Istio config without an istio.io/rev label; exactly one may (the base chart\'s, value defaultRevision)',
      '0002-istiod.yaml: ValidatingWebhookConfiguration/-/istio-validator-stable-istio-system: default-validator: one of 2 default validators (istiod-default-validator, istio-validator-stable-istio-system): each validates Istio config without an istio.io/rev label; exactly one may (the base chart\'s, value defaultRevision)',
    ]);
  });

  test('a validator that does not cover Istio config, or is not an Istio one, does not count', () => {
    const other = validating('policy-engine', [{ ...validatingWebhook('validate.policy.example.com', 'stable'), rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }]);
    const podsOnly = validating('istiod-pods-validator', [{ ...validatingWebhook('validation.istio.io', 'stable'), rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }]);
    const files = canary();
    files['0001-istio-base.yaml'].push(other, podsOnly);
    expect(details(checkDefaultValidator(manifests(files)))).toEqual([]);
  });
});
