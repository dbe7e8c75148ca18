import { safeText } from '../jobs/safe-text.js';
/**
 * A self-contained HTML page comparing simulated policies: an inline SVG bar chart (cost,
 * on-demand hours, deadline misses) and a table of every metric. No scripts, no external
 * resources; every piece of text is escaped.
 */

/** One policy's figures, as the chart shows them. */
export interface ChartPolicy {
  readonly policy: string;
  readonly totalCostUsd: number;
  readonly onDemandHours: number;
  readonly spotHours: number;
  readonly interruptions: number;
  readonly deadlineMisses: number;
  readonly jobsFinished: number;
  readonly jainIndex: number;
}

export interface SimulationChartInput {
  readonly title: string;
  /** Lines shown under the title (inputs, caveats). */
  readonly notes: readonly string[];
  readonly policies: readonly ChartPolicy[];
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (text: string): string =>
  safeText(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

const PANELS = [
  { label: 'Total cost (USD)', value: (p: ChartPolicy) => p.totalCostUsd, digits: 0 },
  { label: 'On-demand instance-hours', value: (p: ChartPolicy) => p.onDemandHours, digits: 1 },
  { label: 'Deadline misses', value: (p: ChartPolicy) => p.deadlineMisses, digits: 0 },
] as const;

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];

const LABEL_WIDTH = 130;
const BAR_AREA = 360;
const ROW = 22;
const PANEL_GAP = 36;

const formatNumber = (value: number, digits: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The SVG chart alone: one panel of horizontal bars per metric, one bar per policy. */
export const simulationChartSvg = (policies: readonly ChartPolicy[]): string => {
  const panelHeight = 24 + policies.length * ROW;
  const width = LABEL_WIDTH + BAR_AREA + 110;
  const height = PANELS.length * (panelHeight + PANEL_GAP);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Policy comparison">`,
  ];
  PANELS.forEach((panel, pi) => {
    const top = pi * (panelHeight + PANEL_GAP);
    const max = Math.max(0, ...policies.map(panel.value));
    parts.push(
      `<text x="0" y="${top + 16}" font-weight="bold" font-size="14">${escapeHtml(panel.label)}</text>`,
    );
    policies.forEach((p, i) => {
      const y = top + 24 + i * ROW;
      const value = panel.value(p);
      const length = max > 0 ? (value / max) * BAR_AREA : 0;
      const colour = COLOURS[i % COLOURS.length] ?? '#888';
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end" font-size="12">${escapeHtml(p.policy)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${length.toFixed(1)}" height="${ROW - 6}" fill="${colour}"><title>${escapeHtml(`${p.policy}: ${formatNumber(value, panel.digits)}`)}</title></rect>`,
        `<text x="${(LABEL_WIDTH + length + 6).toFixed(1)}" y="${y + 14}" font-size="12">${escapeHtml(formatNumber(value, panel.digits))}</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
};

/**
 * The whole page.
 *
 * @example
 * writeFileSync('sim.html', simulationChartHtml({ title: 'qm simulate', notes: [], policies }));
 */
export const simulationChartHtml = (input: SimulationChartInput): string => {
  const rows = input.policies
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.policy)}</td><td>${formatNumber(p.totalCostUsd, 2)}</td><td>${formatNumber(p.onDemandHours, 1)}</td><td>${formatNumber(p.spotHours, 1)}</td><td>${p.interruptions}</td><td>${p.deadlineMisses}</td><td>${p.jobsFinished}</td><td>${p.jainIndex.toFixed(3)}</td></tr>`,
    )
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(input.title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-top:1.5em}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}p.note{color:#555;margin:.2em 0}</style>',
    '</head>',
    '<body>',
    `<h1>${escapeHtml(input.title)}</h1>`,
    ...input.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`),
    simulationChartSvg(input.policies),
    '<table>',
    '<thead><tr><th>policy</th><th>cost USD</th><th>on-demand h</th><th>spot h</th><th>interruptions</th><th>deadline misses</th><th>jobs finished</th><th>Jain index</th></tr></thead>',
    `<tbody>\n${rows}\n</tbody>`,
    '</table>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
};
