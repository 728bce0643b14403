import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Certificate, CertificateSpecIssuerRef, CertificateSpecPrivateKeyAlgorithm, CertificateSpecPrivateKeyRotationPolicy, CertificateSpecUsages } from '../../imports/cert-manager.io';
import {
  ExternalSecret, ExternalSecretSpecSecretStoreRef, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetTemplateMergePolicy,
} from '../../imports/external-secrets.io';
import { ISTIO_NAMESPACE, ResolvedRemoteSecret, ResolvedTrust, SecretStoreReference } from '../settings';

/** The Secret istiod reads its plug-in CA from (Istio's "Plug in CA certificates"). */
export const CACERTS = 'cacerts';

/** The label istiod discovers remote secrets by (as `istioctl create-remote-secret` sets it). */
export const MULTICLUSTER_SECRET_LABEL = 'istio/multiCluster';

/** The annotation naming the cluster a remote secret gives access to. */
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';

/** Istio's plug-in CA keys read from the cluster's store key (root-cert.pem comes from the root key). */
const PLUGIN_CA_KEYS = ['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem'] as const;
const ROOT_CERT_KEY = 'root-cert.pem';

/** cert-manager's reference to an issuer. */
function issuerRef(issuer: { readonly group: string; readonly kind: string; readonly name: string }): CertificateSpecIssuerRef {
  return { group: issuer.group, kind: issuer.kind, name: issuer.name };
}

/** External Secrets' reference to a store. */
function storeRef(store: SecretStoreReference): ExternalSecretSpecSecretStoreRef {
  const kind = store.kind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE;
  return { kind, name: store.name };
}

/** Props of the trust stage. */
export interface TrustChartProps {
  /** Where istiod's CA comes from: cert-manager and External Secrets render an object here. */
  readonly trust: ResolvedTrust;
  /** The cluster's name in the mesh, named in its intermediate CA's subject. @default - none: a cluster outside a mesh */
  readonly clusterName?: string;
  /** The other clusters this cluster's istiod watches. @default [] */
  readonly remoteSecrets?: readonly ResolvedRemoteSecret[];
  /**
   * Whether istiods of other clusters watch this one: then a token Secret of
   * `istio-reader-service-account` (the account their kubeconfig uses) is rendered,
   * empty, for Kubernetes to fill in, as `istioctl create-remote-secret` creates it.
   * @default false
   */
  readonly readerToken?: boolean;
}

/** The token Secret of the account other clusters' istiods read this cluster's API server as. */
export const READER_TOKEN_SECRET = 'istio-reader-service-account-istio-remote-secret-token';
const READER_SERVICE_ACCOUNT = 'istio-reader-service-account';

/** Whether settings call for a trust stage: a CA by reference, or credentials of other clusters. */
export function rendersTrust(trust: ResolvedTrust, remoteSecrets: readonly ResolvedRemoteSecret[], readerToken: boolean): boolean {
  return trust.source === 'cert-manager' || trust.source === 'external-secret' || remoteSecrets.length > 0 || readerToken;
}

/**
 * The trust stage: istiod's CA and the credentials of the clusters it watches, all by
 * reference, never a key in git. `cacerts` comes from a cert-manager Certificate (an
 * intermediate CA, issued by the mesh's root issuer, in cert-manager's tls.crt/tls.key/
 * ca.crt layout, which istiod reads) or from an ExternalSecret (Istio's four keys from a
 * store); each remote secret is an ExternalSecret that writes the Secret istiod discovers.
 * Before istiod: istiod mounts `cacerts` as optional, and started without it makes a
 * self-signed root of its own, which it keeps (npm run apply waits for the Secret).
 */
export class TrustChart extends Chart {
  constructor(scope: Construct, id: string, props: TrustChartProps) {
    super(scope, id);
    const { trust } = props;
    if (trust.source === 'cert-manager') {
      new Certificate(this, 'cacerts', {
        metadata: { name: CACERTS, namespace: ISTIO_NAMESPACE },
        spec: {
          secretName: CACERTS,
          isCa: true,
          // As Istio's own tooling makes intermediates (tools/certs): CN=Intermediate CA, O=Istio,
          // L=<cluster> (a CN longer than 64 characters would be refused by cert-manager).
          commonName: 'Intermediate CA',
          subject: { organizations: ['Istio'], ...(props.clusterName ? { localities: [props.clusterName] } : {}) },
          duration: trust.duration,
          renewBefore: trust.renewBefore,
          privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.RSA, size: 4096, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
          usages: [CertificateSpecUsages.CERT_SIGN, CertificateSpecUsages.CRL_SIGN, CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.KEY_ENCIPHERMENT],
          issuerRef: issuerRef(trust.issuer),
        },
      });
    } else if (trust.source === 'external-secret') {
      new ExternalSecret(this, 'cacerts', {
        metadata: { name: CACERTS, namespace: ISTIO_NAMESPACE },
        spec: {
          refreshInterval: trust.refreshInterval,
          secretStoreRef: storeRef(trust.store),
          target: { name: CACERTS, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER },
          data: [
            ...PLUGIN_CA_KEYS.map(k => ({ secretKey: k, remoteRef: { key: trust.key, property: k } })),
            { secretKey: ROOT_CERT_KEY, remoteRef: { key: trust.rootKey, property: ROOT_CERT_KEY } },
          ],
        },
      });
    }
    if (props.readerToken) {
      // No data: Kubernetes writes the token, the CA and the namespace into it. The platform
      // team makes the kubeconfig other clusters' istiods use from it, once (docs/guides/fleets.md).
      // (A plain object: cdk8s-plus's Secret would write an empty stringData and immutable: false.)
      new ApiObject(this, 'reader-token', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: READER_TOKEN_SECRET, namespace: ISTIO_NAMESPACE, annotations: { 'kubernetes.io/service-account.name': READER_SERVICE_ACCOUNT } },
        type: 'kubernetes.io/service-account-token',
      });
    }
    for (const remote of props.remoteSecrets ?? []) {
      // istioctl create-remote-secret's name; the fleet rules keep clusterName a valid name here.
      const name = `istio-remote-secret-${remote.clusterName}`;
      new ExternalSecret(this, name, {
        metadata: { name, namespace: ISTIO_NAMESPACE },
        spec: {
          refreshInterval: remote.refreshInterval,
          secretStoreRef: storeRef(remote.store),
          target: {
            name,
            creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
            // What `istioctl create-remote-secret` writes: istiod watches Secrets with this
            // label, and reads the kubeconfig under the cluster's name. Merge keeps the
            // fetched data beside the template's metadata.
            template: {
              mergePolicy: ExternalSecretSpecTargetTemplateMergePolicy.MERGE,
              metadata: {
                labels: { [MULTICLUSTER_SECRET_LABEL]: 'true' },
                annotations: { [CLUSTER_ANNOTATION]: remote.clusterName },
              },
            },
          },
          data: [{ secretKey: remote.clusterName, remoteRef: { key: remote.key, ...(remote.property !== undefined ? { property: remote.property } : {}) } }],
        },
      });
    }
  }
}
