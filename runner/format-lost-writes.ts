import type { LostWrites } from './reporter.js';

/** `GitHub writes lost: 1 comment, 2 statuses`, or '' when nothing was lost. */
export function formatLostWrites({ comments, statuses }: LostWrites): string {
  if (comments + statuses === 0) return '';
  const parts = [
    ...(comments ? [`${comments} comment${comments === 1 ? '' : 's'}`] : []),
    ...(statuses ? [`${statuses} status${statuses === 1 ? '' : 'es'}`] : []),
  ];
  return `GitHub writes lost: ${parts.join(', ')} (see the log)`;
}
