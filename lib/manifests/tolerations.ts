/** The fields of a toleration, as Kubernetes stores them. */
export interface TolerationLike {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
  readonly tolerationSeconds?: number;
}

/**
 * A toleration with the API's defaults filled in (operator Equal, empty key, value and
 * effect), as one string: equal tolerations compare equal however they were written.
 */
export function tolerationKey(t: TolerationLike): string {
  return JSON.stringify([t.key ?? '', t.operator ?? 'Equal', t.value ?? '', t.effect ?? '', t.tolerationSeconds ?? null]);
}
