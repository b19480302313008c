import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { QuickcdError } from '../../common/errors.js';
import { mergeValues, valuesFileNames, type Values } from './merge-values.js';

/** A chart of an App repository, as the pipeline sees it. */
export interface ChartInfo {
  /** Its directory name, which is also its `Chart.yaml` name and its release name. */
  readonly name: string;
  /** The directory, absolute. */
  readonly dir: string;
  /** The first dash-separated word of its name. */
  readonly namespace: string;
  /** `continuousDeployment.enabled` in its merged values. */
  readonly enabled: boolean;
  /** The charts named by `continuousDeployment.integrationTests` (a list, or a map's keys). */
  readonly integrationTests: readonly string[];
  /** Its merged values (before secrets are provisioned). */
  readonly values: Values;
  /** The values files that were found and merged, most general first. */
  readonly valuesFiles: readonly string[];
}

const CHART_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Reads the chart in `<root>/<name>`: checks that its `Chart.yaml` names it like its
 * directory, and merges its staggered values files for the environment and region.
 */
export function readChart(
  root: string,
  name: string,
  where: { environment: string; region?: string | undefined },
): ChartInfo {
  const dir = join(root, name);
  const chartFile = join(dir, 'Chart.yaml');
  if (!existsSync(chartFile)) {
    throw chartError(name, `${name}/Chart.yaml not found: a chart directory needs one`);
  }
  if (!CHART_NAME.test(name) || name.length > 53) {
    throw chartError(
      name,
      `chart directory "${name}" is not a valid release name: use lowercase letters, digits and dashes (at most 53)`,
    );
  }
  const chart = parse(chartFile, name);
  if (chart.name !== name) {
    throw chartError(
      name,
      `${name}/Chart.yaml names the chart "${String(chart.name)}": it must match its directory "${name}"`,
    );
  }
  const found = valuesFileNames(where.environment, where.region).filter((f) =>
    existsSync(join(dir, f)),
  );
  const values = mergeValues(...found.map((f) => parse(join(dir, f), name)));
  const cd = values.continuousDeployment as
    { enabled?: unknown; integrationTests?: unknown } | null | undefined;
  const tests = cd?.integrationTests;
  return {
    name,
    dir,
    namespace: name.split('-')[0] ?? name,
    enabled: cd?.enabled === true,
    integrationTests: Array.isArray(tests)
      ? tests.map(String)
      : tests && typeof tests === 'object'
        ? Object.keys(tests)
        : [],
    values,
    valuesFiles: found.map((f) => `${name}/${f}`),
  };
}

function parse(file: string, chart: string): Values {
  let data: unknown;
  try {
    data = yaml.load(readFileSync(file, 'utf8'));
  } catch (e) {
    throw chartError(chart, `${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (data === undefined || data === null) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw chartError(chart, `${file} must hold a map of values, got ${typeof data}`);
  }
  return data as Values;
}

function chartError(chart: string, message: string): QuickcdError {
  return new QuickcdError('KDEP_CHART_INVALID', message, { chart });
}
