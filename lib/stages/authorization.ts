import { Construct } from 'constructs';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules, AuthorizationPolicySpecRulesFrom } from '../../imports/security.istio.io';
import { RenderedRelease } from '../render/engine';
import { gatewayPodSelector } from '../render/gateway-endpoints';
import { isL7 } from '../settings/authorization';
import { WAYPOINT_NAME } from '../settings/dataplane';
import { AuthorizationAllow, AuthorizationMode, ISTIO_NAMESPACE, MtlsMode, ResolvedAppNamespace, ResolvedGateway } from '../settings';

/** The policy of an app namespace under namespace isolation (and the one of its declared allows under deny-by-default). */
export const NAMESPACE_POLICY = { 'namespace-isolation': 'namespace-isolation', 'deny-by-default': 'allow' } as const;

/** Istio's documented allow-nothing policy: an ALLOW policy without rules in the root namespace denies everything mesh-wide. */
export const ALLOW_NOTHING = 'allow-nothing';

/** A gateway and its rendered release (its pods' labels and service account are read from it). */
export interface GatewayRelease {
  readonly gateway: ResolvedGateway;
  readonly release: RenderedRelease;
}

/** Props of MeshAuthorization. */
export interface MeshAuthorizationProps {
  /** The mode: `open` renders nothing. */
  readonly mode: AuthorizationMode;
  /** The trust domain principals are named in. */
  readonly trustDomain: string;
  /** The app namespaces, with their dataplane, waypoint and declared allows. */
  readonly namespaces: readonly ResolvedAppNamespace[];
  /** Every gateway, with its release. */
  readonly gateways: readonly GatewayRelease[];
  /** The mesh-wide mTLS mode (an app namespace's own mtls overrides it): PERMISSIVE namespaces keep their plaintext callers under isolation. @default 'STRICT' */
  readonly mtls?: MtlsMode;
  /** Annotate every policy `istio.io/dry-run: "true"`: sidecars log what they would deny. @default false */
  readonly dryRun?: boolean;
}

/** Istio's annotation for a policy evaluated in the shadow only (sidecars). */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** The service account a gateway's pods run as, read from its rendered Deployment. */
function gatewayServiceAccount(release: RenderedRelease): string {
  const deployment = (release.documents as any[]).find(d => d?.kind === 'Deployment');
  return deployment?.spec?.template?.spec?.serviceAccountName ?? release.request.releaseName;
}

/**
 * Istio AuthorizationPolicies (security.istio.io/v1) for the mesh's authorization mode:
 * zero trust past mTLS. `namespace-isolation`: each app namespace admits its own
 * namespace and what it declares. `deny-by-default`: Istio's allow-nothing policy in
 * istio-system, each namespace's declared allows, and the gateways kept working (ingress
 * and east-west open to their callers, egress to the app namespaces). In an ambient
 * namespace ztunnel enforces the L4 rules; a namespace with a waypoint gets the full
 * rules (L7 included) on its waypoint, and ztunnel admits the waypoint.
 */
export class MeshAuthorization extends Construct {
  private readonly trustDomain: string;
  private readonly gatewayPrincipals: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: MeshAuthorizationProps) {
    super(scope, id);
    this.trustDomain = props.trustDomain;
    this.gatewayPrincipals = new Map(props.gateways.map(g => [g.gateway.name, this.principal(g.gateway.namespace, gatewayServiceAccount(g.release))]));
    if (props.mode === 'open') return;
    const isolation = props.mode === 'namespace-isolation';
    if (!isolation) {
      new AuthorizationPolicy(this, ALLOW_NOTHING, { metadata: { name: ALLOW_NOTHING, namespace: ISTIO_NAMESPACE }, spec: {} });
      this.openGateways(props);
    }
    this.namespacePolicies(props, isolation);
    if (props.dryRun) {
      for (const p of this.node.findAll()) if (p instanceof AuthorizationPolicy) p.metadata.addAnnotation(DRY_RUN_ANNOTATION, 'true');
    }
  }

  /** Each app namespace's policy: its own namespace (under isolation) and its declared allows. */
  private namespacePolicies(props: MeshAuthorizationProps, isolation: boolean): void {
    for (const ns of props.namespaces) {
      // A PERMISSIVE namespace accepts plaintext on purpose: those callers have no identity to
      // isolate by, and only `notPrincipals: ['*']` (no principal at all) matches them.
      const plaintext: AuthorizationPolicySpecRules[] = isolation && (ns.mtls ?? props.mtls ?? 'STRICT') === 'PERMISSIVE' ? [{ from: [{ source: { notPrincipals: ['*'] } }] }] : [];
      const own: AuthorizationPolicySpecRules[] = isolation ? [{ from: [{ source: { namespaces: [ns.name] } }] }, ...plaintext] : [];
      if (!isolation && !ns.allow.length) continue;
      const ambient = ns.dataplane === 'ambient';
      const name = NAMESPACE_POLICY[isolation ? 'namespace-isolation' : 'deny-by-default'];
      // ztunnel sees connections: the L4 allows only; traffic its waypoint forwards comes as the waypoint.
      const viaWaypoint: AuthorizationPolicySpecRules[] = ambient && ns.waypoint && !isolation ? [{ from: [{ source: { principals: [this.principal(ns.name, WAYPOINT_NAME)] } }] }] : [];
      const allows = ambient ? ns.allow.filter(a => !isL7(a)) : ns.allow;
      new AuthorizationPolicy(this, `${ns.name}-${name}`, {
        metadata: { name, namespace: ns.name },
        spec: { action: AuthorizationPolicySpecAction.ALLOW, rules: [...own, ...viaWaypoint, ...allows.map(a => this.rule(a))] },
      });
      if (ambient && ns.waypoint) {
        new AuthorizationPolicy(this, `${ns.name}-${name}-waypoint`, {
          metadata: { name: `${name}-waypoint`, namespace: ns.name },
          spec: {
            targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: WAYPOINT_NAME }],
            action: AuthorizationPolicySpecAction.ALLOW,
            rules: [...own, ...ns.allow.map(a => this.rule(a))],
          },
        });
      }
    }
  }

  /** A workload identity as policies name it: `<trust domain>/ns/<namespace>/sa/<account>`. */
  private principal(namespace: string, serviceAccount: string): string {
    return `${this.trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
  }

  /** One declared allow as a rule: its callers (any of them) and what they may call. */
  private rule(allow: AuthorizationAllow): AuthorizationPolicySpecRules {
    const from: AuthorizationPolicySpecRulesFrom[] = [];
    if (allow.from.namespaces?.length) from.push({ source: { namespaces: [...allow.from.namespaces] } });
    const principals = [
      ...(allow.from.serviceAccounts ?? []).map(sa => { const [ns, name] = sa.split('/'); return this.principal(ns, name); }),
      ...(allow.from.gateways ?? []).map(g => this.gatewayPrincipals.get(g)!),
    ];
    if (principals.length) from.push({ source: { principals } });
    const to = allow.to;
    const operation = {
      ...(to?.ports?.length ? { ports: to.ports.map(String) } : {}),
      ...(to?.methods?.length ? { methods: [...to.methods] } : {}),
      ...(to?.paths?.length ? { paths: [...to.paths] } : {}),
    };
    return { from, ...(Object.keys(operation).length ? { to: [{ operation }] } : {}) };
  }

  /**
   * Under allow-nothing the gateways deny too: an ingress gateway takes traffic from
   * outside the mesh, an east-west gateway passes other networks' mTLS through, both
   * from anyone. So does the egress gateway: the sidecars send it the application's own
   * TLS (the egress stage's PASSTHROUGH server, as Istio's HTTPS egress task does), not
   * mTLS, so it sees no caller identity a rule could name (a namespaces rule would deny
   * every call); which hosts leave through it is the egress stage's ServiceEntries'.
   */
  private openGateways(props: MeshAuthorizationProps): void {
    for (const { gateway, release } of props.gateways) {
      const selector = gatewayPodSelector(release);
      if (!selector) {
        this.node.addValidation({ validate: () => [`gateway ${gateway.name} rendered no Deployment with a selector: its authorization policy cannot select its pods`] });
        continue;
      }
      const rules: AuthorizationPolicySpecRules[] = [{}];
      new AuthorizationPolicy(this, `${gateway.name}-allow`, {
        metadata: { name: `${gateway.name}-allow`, namespace: gateway.namespace },
        spec: { selector: { matchLabels: { ...selector } }, action: AuthorizationPolicySpecAction.ALLOW, rules },
      });
    }
  }
}
