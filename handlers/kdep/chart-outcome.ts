/** What happened to a chart, from first look to the end of the pipeline. */
export type ChartStatus =
  | 'skipped'
  | 'ready'
  | 'upgraded'
  | 'installed'
  | 'failed'
  | 'rendered'
  | 'rolled back'
  | 'uninstalled'
  | 'could not roll back';

export interface ChartOutcome {
  readonly chart: string;
  readonly namespace: string;
  status: ChartStatus;
  /** The `deployed` revision before this run (undefined: the chart was not installed). */
  lastRevision: number | undefined;
  /** Why, in a few words (errors, what a rollback did). */
  note: string;
}

/** A Markdown table of the outcomes: chart, namespace, status, previous revision, note. */
export function statusTable(outcomes: readonly ChartOutcome[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| chart | namespace | status | previous revision | note |',
    '|---|---|---|---|---|',
    ...outcomes.map(
      (o) =>
        `| ${cell(o.chart)} | ${cell(o.namespace)} | ${o.status} | ${o.lastRevision ?? '—'} | ${cell(o.note)} |`,
    ),
  ].join('\n');
}
