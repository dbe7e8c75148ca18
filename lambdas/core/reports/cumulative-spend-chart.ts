import type { CostReport } from '../accounting/cost-report.js';
import { dayLabel, type LineSeries, lineChart } from './svg-chart.js';
import { formatUsd, formatUsdShort } from './usd-format.js';

/**
 * Per team: cumulative actual spend by day, the budget as a level and the run-rate forecast
 * dashed from the report's `asOf` to the window's end, drawn with the shared chart kit. Every
 * figure comes from the report (daily spend, team lines, forecast); nothing is recomputed here
 * but the running sum.
 */

const MS_PER_DAY = 86_400_000;
/** The budget line: ink, so it is neither a team's colour nor a status. */
const BUDGET_COLOR = '#1b1f24';

/** The window's days, `YYYY-MM-DD`. */
export const windowDays = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let ms = Date.parse(`${from}T00:00:00Z`); ms <= Date.parse(`${to}T00:00:00Z`); ms += MS_PER_DAY)
    out.push(new Date(ms).toISOString().slice(0, 10));
  return out;
};

/** About six dated marks along a window of `days`, at the start of each marked day. */
export const dayTicks = (days: readonly string[]): { at: number; label: string }[] => {
  const every = Math.max(1, Math.ceil(days.length / 7));
  const withYear = days[0]?.slice(0, 4) !== days.at(-1)?.slice(0, 4);
  const ticks: { at: number; label: string }[] = [];
  for (let i = 0; i < days.length; i += every)
    ticks.push({ at: i, label: dayLabel(days[i] ?? '', withYear) });
  return ticks;
};

export interface TeamCumulativeChart {
  readonly team: string;
  /** Chart id, also the `data-chart` attribute. */
  readonly id: string;
  readonly title: string;
  /** One line for the figure's subtitle: what the forecast means against the budget. */
  readonly summary: string;
  readonly svg: string;
}

/** One chart per team line of the report, in its order, in the team's colour. */
export const cumulativeSpendCharts = (
  report: CostReport,
  colors: ReadonlyMap<string, string>,
): TeamCumulativeChart[] => {
  const days = windowDays(report.from, report.to);
  const startMs = Date.parse(`${report.from}T00:00:00Z`);
  const asOfDays = Math.min(days.length, Math.max(0, (Date.parse(report.asOf) - startMs) / MS_PER_DAY));
  const forecasts = new Map(report.forecast.map((f) => [f.team, f]));
  const xTicks = dayTicks(days);
  return report.teams.map((t, k) => {
    const color = colors.get(t.team) ?? '#444444';
    const perDay = new Map<string, number>();
    for (const d of report.daily) if (d.team === t.team) perDay.set(d.day, d.actualUsd);
    const actual: [number, number][] = [[0, 0]];
    let sum = 0;
    for (const [i, day] of days.entries()) {
      if (i >= asOfDays) break;
      sum += perDay.get(day) ?? 0;
      // A day the forecast instant falls inside ends the record at that instant.
      actual.push([Math.min(i + 1, asOfDays), sum]);
    }
    const f = forecasts.get(t.team);
    const forecastUsd = f?.forecastUsd ?? t.actualUsd;
    const lines: LineSeries[] = [{ name: `${t.team}: actual`, color, points: actual }];
    const open = asOfDays < days.length;
    if (open)
      lines.push({
        name: `forecast at ${formatUsdShort(f?.runRateUsdPerDay ?? 0)}/day`,
        color,
        points: [
          [asOfDays, sum],
          [days.length, forecastUsd],
        ],
        dashed: true,
      });
    const budget = t.budgetUsd;
    const share = budget === null || budget === 0 ? null : (forecastUsd / budget) * 100;
    const ends = open
      ? `forecast ${formatUsd(forecastUsd)} by ${report.to}`
      : `closed at ${formatUsd(t.actualUsd)}`;
    const against =
      share === null
        ? 'no budget'
        : `${share.toFixed(1)} % of the ${formatUsd(budget ?? 0)} budget${f?.budgetRunsOutOn ? `, runs out on ${f.budgetRunsOutOn}` : ''}`;
    const id = `cumulative-${k}`;
    const title = `Cumulative spend against budget: ${t.team}`;
    const svg = lineChart({
      id,
      title,
      desc: `${t.team} spent ${formatUsd(t.actualUsd)} from ${report.from} to ${report.asOf.slice(0, 10)}${open ? `, ${formatUsd(f?.runRateUsdPerDay ?? 0)} a day; at that rate ${formatUsd(forecastUsd)} by ${report.to}` : ''}; ${against}. X axis: day (UTC), ${days.length} days from ${dayLabel(report.from, true)}; y axis: cumulative USD.`,
      width: 540,
      xMax: days.length,
      xTicks,
      lines,
      levels:
        budget === null
          ? []
          : [{ name: `budget ${formatUsdShort(budget)}`, value: budget, color: BUDGET_COLOR }],
      format: formatUsdShort,
      xTitle: 'Day (UTC)',
      yTitle: 'USD',
    });
    return {
      team: t.team,
      id,
      title,
      summary: `${ends}; ${against}`,
      svg,
    };
  });
};
