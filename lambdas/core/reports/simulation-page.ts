import { figure, pageHtml } from './page-style.js';
import { escapeHtml, horizontalBarChart, PALETTE, type Series, visibleAxisStart } from './svg-chart.js';

/**
 * The `qm simulate --jobs --format html` page: the policies side by side, drawn with the same
 * chart kit and stylesheet as the cost report. It shows every figure of the command's JSON (the
 * table holds them all; the charts the ones worth comparing), so the page and the JSON never
 * disagree. No scripts, no external resources; every piece of text is escaped.
 */

export interface SimulationPageTeam {
  readonly team: string;
  readonly weight: number;
  readonly demandedGpuHours: number;
  readonly allocatedGpuHours: number;
  readonly service: number;
}

/** One policy's figures, as `qm simulate --format json` prints them. */
export interface SimulationPagePolicy {
  readonly policy: string;
  readonly totalCostUsd: number;
  readonly spotEligibleCostUsd: number;
  readonly onDemandHours: number;
  readonly spotHours: number;
  readonly interruptions: number;
  readonly changeovers: number;
  readonly deadlineMisses: number;
  readonly jobsFinished: number;
  readonly jobsUnfinished: number;
  readonly jobsUnplaced: number;
  readonly jobsRejected: number;
  readonly makespanHours: number;
  readonly jainIndex: number;
  readonly solves: number;
  readonly solvesPerSimulatedDay: number;
  readonly simulatedDays: number;
  readonly stoppedBy: string;
  readonly handlerErrors: number;
  readonly teams: readonly SimulationPageTeam[];
}

export interface SimulationPageInput {
  readonly title: string;
  /** Lines shown under the title (inputs, caveats). */
  readonly notes: readonly string[];
  readonly policies: readonly SimulationPagePolicy[];
}

const usd = (v: number) =>
  `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const usdShort = (v: number) => `$${v.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
const hours = (v: number) => `${v.toLocaleString('en-US', { maximumFractionDigits: 1 })} h`;
const count = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 0 });
const pct = (v: number) => `${v.toFixed(1)} %`;

/** One colour per policy, the same in every chart. */
const policyColors = (policies: readonly SimulationPagePolicy[]) =>
  new Map(policies.map((p, i) => [p.policy, PALETTE[i % PALETTE.length] ?? '#444444']));

/**
 * Savings of each policy against the `on-demand` policy's total, in percent; `null` without an
 * on-demand run to compare with.
 */
export const savingsPct = (policies: readonly SimulationPagePolicy[]): (number | null)[] => {
  const base = policies.find((p) => p.policy === 'on-demand')?.totalCostUsd;
  return policies.map((p) =>
    base === undefined || base <= 0 ? null : Math.round(((base - p.totalCostUsd) / base) * 1000) / 10,
  );
};

const oneBarPerPolicy = (
  id: string,
  title: string,
  policies: readonly SimulationPagePolicy[],
  value: (p: SimulationPagePolicy) => number,
  format: (v: number) => string,
  what: string,
): string => {
  const values = policies.map(value);
  const axisFrom = visibleAxisStart(values);
  const colors = policyColors(policies);
  const stated = policies.map((p, i) => `${p.policy} ${format(values[i] ?? 0)}`).join(', ');
  return horizontalBarChart({
    id,
    title,
    desc: `${what} per policy: ${stated}.${axisFrom > 0 ? ` The axis starts at ${format(axisFrom)}, not 0.` : ''}`,
    labels: policies.map((p) => p.policy),
    series: [{ name: what, color: PALETTE[0], values }],
    rowColors: policies.map((p) => colors.get(p.policy) ?? '#444444'),
    format,
    axisFrom,
  });
};

const teamServiceChart = (policies: readonly SimulationPagePolicy[]): string => {
  const teams = [...new Set(policies.flatMap((p) => p.teams.map((t) => t.team)))].sort();
  const colors = policyColors(policies);
  const series: Series[] = policies.map((p) => ({
    name: p.policy,
    color: colors.get(p.policy) ?? '#444444',
    values: teams.map((team) => p.teams.find((t) => t.team === team)?.service ?? 0),
  }));
  const stated = teams
    .map(
      (team, i) => `${team}: ${series.map((s) => `${s.name} ${(s.values[i] ?? 0).toFixed(3)}`).join(', ')}`,
    )
    .join('; ');
  return horizontalBarChart({
    id: 'sim-service',
    title: 'Service per team: allocated over demanded GPU-hours',
    desc: `Per team and policy: ${stated}.`,
    labels: teams,
    series,
    // One figure per policy would not fit beside the bars; the table below has them all.
    annotations: teams.map(() => ''),
    format: (v) => v.toFixed(2),
  });
};

const cells = (values: readonly string[]) => values.map((v) => `<td>${escapeHtml(v)}</td>`).join('');

const policyTable = (policies: readonly SimulationPagePolicy[]): string => {
  const savings = savingsPct(policies);
  const head = [
    'cost',
    'spot-eligible',
    'savings',
    'on-demand h',
    'spot h',
    'interruptions',
    'changeovers',
    'deadline misses',
    'finished',
    'unfinished',
    'unplaced',
    'rejected',
    'makespan h',
    'Jain',
    'solves',
    'solves / day',
    'days',
    'ended',
    'handler errors',
  ];
  const rows = policies.map((p, i) => {
    const saved = savings[i];
    return `<tr data-policy="${escapeHtml(p.policy)}"><th scope="row">${escapeHtml(p.policy)}</th>${cells([
      usd(p.totalCostUsd),
      usd(p.spotEligibleCostUsd),
      saved === null || saved === undefined ? '—' : pct(saved),
      p.onDemandHours.toFixed(3),
      p.spotHours.toFixed(3),
      String(p.interruptions),
      String(p.changeovers),
      String(p.deadlineMisses),
      String(p.jobsFinished),
      String(p.jobsUnfinished),
      String(p.jobsUnplaced),
      String(p.jobsRejected),
      p.makespanHours.toFixed(3),
      p.jainIndex.toFixed(6),
      String(p.solves),
      p.solvesPerSimulatedDay.toFixed(1),
      p.simulatedDays.toFixed(3),
    ])}<td class="text">${escapeHtml(p.stoppedBy)}</td><td>${p.handlerErrors}</td></tr>`;
  });
  return `<div class="table-wrap"><table id="policies-table"><caption>Every figure per policy (as in --format json)</caption><thead><tr><th scope="col" class="text">policy</th>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
};

const teamTable = (policies: readonly SimulationPagePolicy[]): string => {
  const rows = policies.flatMap((p) =>
    p.teams.map(
      (t) =>
        `<tr><th scope="row">${escapeHtml(p.policy)}</th><td class="text">${escapeHtml(t.team)}</td>${cells([
          String(t.weight),
          t.demandedGpuHours.toFixed(3),
          t.allocatedGpuHours.toFixed(3),
          t.service.toFixed(6),
        ])}</tr>`,
    ),
  );
  return `<div class="table-wrap"><table id="teams-table"><caption>Service per team and policy</caption><thead><tr><th scope="col" class="text">policy</th><th scope="col" class="text">team</th><th scope="col">weight</th><th scope="col">demanded GPU-h</th><th scope="col">allocated GPU-h</th><th scope="col">service</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
};

/** The page, complete. */
export const simulationPageHtml = (input: SimulationPageInput): string => {
  const ps = input.policies;
  const misses = new Set(ps.map((p) => p.deadlineMisses));
  const savings = savingsPct(ps);
  const figures = [
    figure(
      'fig-cost',
      'Total cost',
      'Σ of the usage records at their stored unit prices',
      oneBarPerPolicy('sim-cost', 'Total cost per policy', ps, (p) => p.totalCostUsd, usdShort, 'Total cost'),
    ),
    figure(
      'fig-spot-eligible',
      'Spot-eligible cost',
      'The interruptible jobs: the only part of the cost a policy can move',
      oneBarPerPolicy(
        'sim-spot-eligible',
        'Spot-eligible cost per policy',
        ps,
        (p) => p.spotEligibleCostUsd,
        usdShort,
        'Spot-eligible cost',
      ),
    ),
  ];
  if (savings.every((s) => s !== null))
    figures.push(
      figure(
        'fig-savings',
        'Savings against on-demand',
        'How much less each policy cost than the on-demand policy, in percent of its total',
        oneBarPerPolicy(
          'sim-savings',
          'Savings against on-demand',
          ps,
          (p) => savings[ps.indexOf(p)] ?? 0,
          pct,
          'Savings',
        ),
      ),
    );
  const colors = [PALETTE[0], PALETTE[1]];
  figures.push(
    figure(
      'fig-hours',
      'Instance-hours',
      'Billed hours on each purchase option',
      horizontalBarChart({
        id: 'sim-hours',
        title: 'On-demand and spot instance-hours per policy',
        desc: `Per policy: ${ps.map((p) => `${p.policy} ${hours(p.onDemandHours)} on-demand, ${hours(p.spotHours)} spot`).join('; ')}.`,
        labels: ps.map((p) => p.policy),
        series: [
          { name: 'on-demand', color: colors[0] ?? '#0072B2', values: ps.map((p) => p.onDemandHours) },
          { name: 'spot', color: colors[1] ?? '#E69F00', values: ps.map((p) => p.spotHours) },
        ],
        format: hours,
      }),
    ),
    figure(
      'fig-interruptions',
      'Interruptions and changeovers',
      'Spot reclaims the jobs saw, and instance launches (first starts included)',
      horizontalBarChart({
        id: 'sim-interruptions',
        title: 'Interruptions and changeovers per policy',
        desc: `Per policy: ${ps.map((p) => `${p.policy} ${p.interruptions} interruptions, ${p.changeovers} changeovers`).join('; ')}.`,
        labels: ps.map((p) => p.policy),
        series: [
          { name: 'interruptions', color: colors[0] ?? '#0072B2', values: ps.map((p) => p.interruptions) },
          { name: 'changeovers', color: colors[1] ?? '#E69F00', values: ps.map((p) => p.changeovers) },
        ],
        format: count,
      }),
    ),
  );
  // Identical bars say nothing: a chart only when the policies differ.
  if (misses.size > 1)
    figures.push(
      figure(
        'fig-misses',
        'Deadline misses',
        'Jobs with a deadline that did not succeed by it',
        oneBarPerPolicy(
          'sim-misses',
          'Deadline misses per policy',
          ps,
          (p) => p.deadlineMisses,
          count,
          'Deadline misses',
        ),
      ),
    );
  figures.push(
    figure('fig-service', 'Service per team', 'Allocated over demanded GPU-hours', teamServiceChart(ps)),
  );
  const missNote =
    misses.size === 1
      ? `Deadline misses: ${[...misses][0]} under every policy.`
      : 'Deadline misses differ between policies (chart below).';
  return pageHtml(
    input.title,
    `${ps.length} policies on the same jobs, market, quotas and budgets`,
    `${input.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<p class="note" id="misses-note">${escapeHtml(missNote)}</p>
<div class="grid2">
${figures.join('\n')}
</div>
${policyTable(ps)}
${teamTable(ps)}`,
  );
};
