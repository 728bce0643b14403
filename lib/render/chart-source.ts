import { ReleaseRequest } from './release-request';
import { IstioChart } from '../vendoring/lock';
import { VendoredCharts } from '../vendoring/vendored';

/** Where a release's chart is, and its identity for the render cache. */
export type ChartSource = Pick<ReleaseRequest, 'chart' | 'chartDir' | 'chartSha256'>;

/** One vendored chart as a release source: its folder and the digest the lock pins for it. */
export function chartSource(charts: VendoredCharts, chart: IstioChart): ChartSource {
  return { chart, chartDir: charts.dirs[chart], chartSha256: charts.lock.charts[chart].treeSha256 };
}
