/** A Go duration (`8760h`, `1h30m`, `90s`), as Kubernetes tools and kubectl's --timeout take them. */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

const UNIT_MS: { readonly [unit: string]: number } = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration in milliseconds (the caller checked it against GO_DURATION). */
export function durationMs(duration: string): number {
  let ms = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit];
  return ms;
}

/** Milliseconds as a Go duration in whole hours or minutes (rounded down to a minute). */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}
