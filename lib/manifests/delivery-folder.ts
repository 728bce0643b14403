/**
 * The output's folder of the Argo CD or Flux objects that apply the clusters' folders
 * (`dist/delivery/`): no cluster's folder, and no cluster may be named so. Here, with the
 * readers, because every side needs it: synth writes it, check proves it, apply skips it,
 * diff leaves it out of the clusters it lists (and diff reads no settings).
 */
export const DELIVERY_FOLDER = 'delivery';
