import { safeText } from '../jobs/safe-text.js';
/**
 * Small inline-SVG charts for the HTML cost report: no scripts, no external fonts or images, so a
 * report renders the same offline and in a mail client. Every chart is an `<svg role="img">`
 * named by its own `<title>` and described by its `<desc>` (which states the numbers in words); every
 * piece of text that came from data is escaped.
 */

/** Escapes text for HTML and SVG content and attribute values. */
/** HTML-escaped, with control and bidi characters from input shown as escapes. */
export const escapeHtml = (text: string): string =>
  safeText(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#7A6A00',
  '#444444',
] as const;

/**
 * Colours for categories people are told apart by (teams, policies). Drawn from Okabe–Ito and
 * Tol's sets without their greens, yellows and reds, which `STATUS_COLORS` holds: a team is never
 * mistaken for a status.
 */
export const CATEGORY_COLORS = ['#0072B2', '#CC79A7', '#56B4E9', '#332288', '#7A6A00', '#AA4499'] as const;

/** Budget status, one scale for every chart: under 80 %, 80 up to 100 %, at or over the budget. */
export const STATUS_COLORS = { under: '#3E9B3E', near: '#E8A600', over: '#B42318' } as const;

/** The status scale as legend items, in the words the charts use. */
export const STATUS_LEGEND: readonly LegendItem[] = [
  { name: 'under 80 % of budget', color: STATUS_COLORS.under },
  { name: '80–100 %', color: STATUS_COLORS.near },
  { name: 'at or over budget', color: STATUS_COLORS.over },
];

/** Where a share of a budget falls on the status scale. */
export const statusColor = (pctOfBudget: number): string =>
  pctOfBudget >= 100 ? STATUS_COLORS.over : pctOfBudget >= 80 ? STATUS_COLORS.near : STATUS_COLORS.under;

/** Purchase options (and the on-demand price of the same hours), apart from teams and statuses. */
export const PURCHASE_COLORS = { spot: '#2F3E4E', onDemand: '#A3ADB8' } as const;

/**
 * One colour per name, fixed by the sorted list of names: the same team has the same colour in
 * every chart of a page, whichever charts it appears in. Past six names the colours repeat (the
 * legends still name each one).
 */
export const colorMap = (names: readonly string[]): ReadonlyMap<string, string> =>
  new Map(
    [...new Set(names)]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((n, i) => [n, CATEGORY_COLORS[i % CATEGORY_COLORS.length] ?? '#444444']),
  );

/** One legend entry: a swatch box, a solid line or a dashed line in `color`. */
export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly mark?: 'box' | 'line' | 'dashed';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-11-04` as `Nov 4` (with `, 2026` when `withYear`): how time axes name days. */
export const dayLabel = (day: string, withYear = false): string => {
  const month = MONTHS[Number(day.slice(5, 7)) - 1] ?? day.slice(5, 7);
  const label = `${month} ${Number(day.slice(8, 10))}`;
  return withYear ? `${label}, ${day.slice(0, 4)}` : label;
};

/** `2026-11` as `Nov 2026`. */
export const monthLabel = (month: string): string =>
  `${MONTHS[Number(month.slice(5, 7)) - 1] ?? month.slice(5, 7)} ${month.slice(0, 4)}`;

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

const f1 = (x: number) => Math.round(x * 10) / 10;

/** A round step of about `span / count`: 1, 2, 2.5 or 5 × 10^n. */
const niceStep = (span: number, count: number): number => {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
};

/** Round tick values from `from` (itself a tick) to at least `max`. */
const ticksFrom = (from: number, max: number, count: number): number[] => {
  if (!(max > from)) return [from, from + 1];
  const step = niceStep(max - from, count);
  const ticks: number[] = [];
  for (let v = from; v < max + step * 0.999; v += step) ticks.push(Math.round(v * 1e9) / 1e9);
  return ticks;
};

/** Round tick values from 0 to at least `max`: steps of 1, 2, 2.5 or 5 × 10^n. */
export const niceTicks = (max: number, count = 5): number[] => ticksFrom(0, max, count);

/**
 * Where a value axis should start so the differences between `values` are visible: 0 when they
 * spread over more than a quarter of the largest, else a round value below the smallest by about
 * half their spread. Bars that start there must say so (the charts print "axis starts at …").
 */
export const visibleAxisStart = (values: readonly number[]): number => {
  const max = Math.max(...values);
  const min = Math.min(...values);
  if (!(max > 0) || min <= 0 || (max - min) / max > 0.25) return 0;
  const spread = Math.max(max - min, max * 0.005);
  const step = niceStep(spread * 2, 4);
  return Math.max(0, Math.floor((min - spread * 0.5) / step) * step);
};

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface Frame {
  readonly id: string;
  readonly title: string;
  readonly desc: string;
  /** viewBox width; pick the width the chart is shown at, so text renders at its nominal size. */
  readonly width?: number;
}

const open = (f: Frame, width: number, height: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="${f.id}-title" aria-describedby="${f.id}-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" class="chart" data-chart="${f.id}"><title id="${f.id}-title">${escapeHtml(f.title)}</title><desc id="${f.id}-desc">${escapeHtml(f.desc)}</desc>`;

const swatch = (item: LegendItem, x: number, y: number): string =>
  item.mark === 'line' || item.mark === 'dashed'
    ? `<line x1="${x}" x2="${x + 14}" y1="${y - 4}" y2="${y - 4}" stroke="${item.color}" stroke-width="2.5"${item.mark === 'dashed' ? ' stroke-dasharray="4 3"' : ''}/>`
    : `<rect x="${x}" y="${y - 9}" width="11" height="11" rx="2" fill="${item.color}"/>`;

const legend = (series: readonly LegendItem[], x: number, y: number, width: number): string => {
  let cx = x;
  let cy = y;
  const items: string[] = [];
  for (const s of series) {
    const label = clip(s.name, 22);
    const w = 18 + label.length * 7 + 16;
    if (cx + w > x + width && cx > x) {
      cx = x;
      cy += 18;
    }
    items.push(
      `${swatch(s, cx, cy)}<text x="${cx + 18}" y="${cy}" class="legend">${escapeHtml(label)}</text>`,
    );
    cx += w;
  }
  return `<g aria-hidden="true">${items.join('')}</g>`;
};

const legendHeight = (series: readonly { name: string }[], width: number): number => {
  let cx = 0;
  let rows = 1;
  for (const s of series) {
    const w = 18 + clip(s.name, 22).length * 7 + 16;
    if (cx + w > width && cx > 0) {
      cx = 0;
      rows += 1;
    }
    cx += w;
  }
  return rows * 18;
};

/** Axis titles, printed beside the axes (both are in the chart's `desc` too). */
interface AxisTitles {
  /** Under the x axis, e.g. `Day (UTC)`. */
  readonly xTitle?: string;
  /** Beside the y axis, e.g. `USD`. */
  readonly yTitle?: string;
}

const axisTitles = (o: AxisTitles, left: number, plotW: number, top: number, plotH: number, bottom: number) =>
  `<g class="axis-title" aria-hidden="true">${o.xTitle === undefined ? '' : `<text x="${f1(left + plotW / 2)}" y="${top + plotH + bottom - 4}" text-anchor="middle">${escapeHtml(o.xTitle)}</text>`}${o.yTitle === undefined ? '' : `<text transform="translate(14 ${f1(top + plotH / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yTitle)}</text>`}</g>`;

export interface ColumnChartOptions extends Frame, AxisTitles {
  /** Category labels along the x axis (e.g. days). */
  readonly categories: readonly string[];
  /** Stacked bottom to top in this order. */
  readonly series: readonly Series[];
  readonly format: (value: number) => string;
  /** Show every n-th category label. @default chosen to fit */
  readonly labelEvery?: number;
}

/** Stacked columns: one column per category, one segment per series. */
export const stackedColumnChart = (o: ColumnChartOptions): string => {
  const width = o.width ?? 640;
  const left = o.yTitle === undefined ? 64 : 76;
  const right = 12;
  const top = 12 + legendHeight(o.series, width - left - right);
  const plotH = 240;
  const bottom = o.xTitle === undefined ? 28 : 46;
  const height = top + plotH + bottom;
  const n = Math.max(1, o.categories.length);
  const totals = o.categories.map((_, i) => o.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const ticks = niceTicks(Math.max(0, ...totals));
  const max = ticks.at(-1) ?? 1;
  const plotW = width - left - right;
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.72);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const every = o.labelEvery ?? Math.max(1, Math.ceil(n / 10));
  const parts: string[] = [open(o, width, height), legend(o.series, left, 14, plotW)];
  parts.push('<g class="grid" aria-hidden="true">');
  for (const t of ticks)
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${f1(y(t))}" y2="${f1(y(t))}"/><text x="${left - 6}" y="${f1(y(t) + 4)}" text-anchor="end" class="tick">${escapeHtml(o.format(t))}</text>`,
    );
  parts.push('</g><g>');
  o.categories.forEach((cat, i) => {
    let base = 0;
    const x = left + i * slot + (slot - barW) / 2;
    for (const s of o.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = y(base + v);
      const h = y(base) - y0;
      parts.push(
        `<rect x="${f1(x)}" y="${f1(y0)}" width="${f1(barW)}" height="${f1(Math.max(h, 0.5))}" fill="${s.color}"><title>${escapeHtml(`${cat} · ${s.name}: ${o.format(v)}`)}</title></rect>`,
      );
      base += v;
    }
    if (i % every === 0)
      parts.push(
        `<text x="${f1(left + i * slot + slot / 2)}" y="${top + plotH + 16}" text-anchor="middle" class="tick" aria-hidden="true">${escapeHtml(cat)}</text>`,
      );
  });
  parts.push(
    `</g><line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/>${axisTitles(o, left, plotW, top, plotH, bottom)}</svg>`,
  );
  return parts.join('');
};

/** A line through `[x, y]` points; `dashed` for a projection rather than a record. */
export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface LineChartOptions extends Frame, AxisTitles {
  /** The x axis runs from 0 to `xMax` (e.g. days since the window's start). */
  readonly xMax: number;
  /** Labelled marks along the x axis, e.g. `{ at: 3, label: 'Nov 4' }`. */
  readonly xTicks: readonly { readonly at: number; readonly label: string }[];
  readonly lines: readonly LineSeries[];
  /** Horizontal lines across the plot (a budget), named in the legend. */
  readonly levels?: readonly { readonly name: string; readonly value: number; readonly color: string }[];
  readonly format: (value: number) => string;
  /** Plot height. @default 180 */
  readonly plotHeight?: number;
}

/** Lines over a continuous x axis from 0, with horizontal levels; the legend names every line and level. */
export const lineChart = (o: LineChartOptions): string => {
  const width = o.width ?? 540;
  const left = o.yTitle === undefined ? 58 : 72;
  const right = 16;
  const plotW = width - left - right;
  const items: LegendItem[] = [
    ...o.lines.map((l) => ({
      name: l.name,
      color: l.color,
      mark: l.dashed ? ('dashed' as const) : ('line' as const),
    })),
    ...(o.levels ?? []).map((l) => ({ name: l.name, color: l.color, mark: 'line' as const })),
  ];
  const top = 14 + legendHeight(items, plotW) + 4;
  const plotH = o.plotHeight ?? 180;
  const bottom = o.xTitle === undefined ? 24 : 42;
  const height = top + plotH + bottom;
  const peak = Math.max(
    0,
    ...o.lines.flatMap((l) => l.points.map((p) => p[1])),
    ...(o.levels ?? []).map((l) => l.value),
  );
  const ticks = niceTicks(peak, 4);
  const max = ticks.at(-1) ?? 1;
  const x = (v: number) => left + (Math.min(Math.max(v, 0), o.xMax) / (o.xMax || 1)) * plotW;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [
    open(o, width, height),
    legend(items, left, 14, plotW),
    '<g class="grid" aria-hidden="true">',
  ];
  for (const t of ticks)
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${f1(y(t))}" y2="${f1(y(t))}"/><text x="${left - 6}" y="${f1(y(t) + 4)}" text-anchor="end" class="tick">${escapeHtml(o.format(t))}</text>`,
    );
  for (const t of o.xTicks)
    parts.push(
      `<text x="${f1(x(t.at))}" y="${top + plotH + 15}" text-anchor="middle" class="tick">${escapeHtml(t.label)}</text>`,
    );
  parts.push('</g>');
  for (const l of o.levels ?? [])
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${f1(y(l.value))}" y2="${f1(y(l.value))}" stroke="${l.color}" stroke-width="1.5" class="level" aria-hidden="true"/>`,
    );
  for (const l of o.lines)
    if (l.points.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${l.color}" stroke-width="2.2"${l.dashed ? ' stroke-dasharray="6 4"' : ''} points="${l.points.map(([px, py]) => `${f1(x(px))},${f1(y(py))}`).join(' ')}" data-line="${escapeHtml(l.name)}" aria-hidden="true"/>`,
      );
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/><line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" class="axis"/>${axisTitles(o, left, plotW, top, plotH, bottom)}</svg>`,
  );
  return parts.join('');
};

export interface BarChartOptions extends Frame {
  readonly labels: readonly string[];
  /** One bar per series in each row (grouped); usually one or two. */
  readonly series: readonly Series[];
  readonly format: (value: number) => string;
  /** Text at the end of each row, e.g. `62 % of $60,000`; defaults to the formatted values. */
  readonly annotations?: readonly string[];
  /** Vertical reference lines, e.g. the 80 % and 100 % budget marks. */
  readonly references?: readonly { readonly value: number; readonly label: string }[];
  /** Per-row colour of the first series (e.g. over budget in red). */
  readonly rowColors?: readonly string[];
  /**
   * Where the value axis starts (see `visibleAxisStart`); when above 0 the chart prints "axis
   * starts at …" under it, and `desc` should say so too. @default 0
   */
  readonly axisFrom?: number;
  /**
   * The legend, when the series' own names would not say what the colours mean (bars coloured
   * per row). @default the series, when there are several
   */
  readonly legend?: readonly LegendItem[];
}

/** Horizontal bars, one row per label, grouped when there are several series. */
export const horizontalBarChart = (o: BarChartOptions): string => {
  const width = o.width ?? 640;
  const left = 150;
  const right = 128;
  const items: readonly LegendItem[] = o.legend ?? (o.series.length > 1 ? o.series : []);
  const showLegend = items.length > 0;
  const top = (showLegend ? 14 + legendHeight(items, width - left - right) + 6 : 8) + (o.references ? 14 : 0);
  const barH = o.series.length > 1 ? 11 : 16;
  const rowH = o.series.length * barH + 10;
  const from = o.axisFrom ?? 0;
  const height = top + Math.max(1, o.labels.length) * rowH + (from > 0 ? 36 : 22);
  const plotW = width - left - right;
  const maxValue = Math.max(
    0,
    ...o.series.flatMap((s) => s.values),
    ...(o.references ?? []).map((r) => r.value),
  );
  const ticks = ticksFrom(from, maxValue, 4);
  const max = ticks.at(-1) ?? 1;
  const x = (v: number) => left + ((Math.max(from, v) - from) / (max - from || 1)) * plotW;
  const parts: string[] = [open(o, width, height)];
  if (showLegend) parts.push(legend(items, left, 16, plotW));
  const plotBottom = top + o.labels.length * rowH;
  parts.push('<g class="grid" aria-hidden="true">');
  for (const t of ticks)
    parts.push(
      `<line x1="${f1(x(t))}" x2="${f1(x(t))}" y1="${top}" y2="${plotBottom}"/><text x="${f1(x(t))}" y="${plotBottom + 14}" text-anchor="middle" class="tick">${escapeHtml(o.format(t))}</text>`,
    );
  parts.push('</g>');
  if (from > 0)
    parts.push(
      `<text x="${left}" y="${plotBottom + 30}" class="tick axis-note">axis starts at ${escapeHtml(o.format(from))}, not 0</text>`,
    );
  o.labels.forEach((label, i) => {
    const rowTop = top + i * rowH + 5;
    parts.push(
      `<text x="${left - 8}" y="${f1(rowTop + (o.series.length * barH) / 2 + 4)}" text-anchor="end" class="label">${escapeHtml(clip(label, 24))}<title>${escapeHtml(label)}</title></text>`,
    );
    o.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const color = k === 0 ? (o.rowColors?.[i] ?? s.color) : s.color;
      parts.push(
        `<rect x="${left}" y="${f1(rowTop + k * barH)}" width="${f1(Math.max(x(v) - left, v > 0 ? 1 : 0))}" height="${barH - 2}" rx="2" fill="${color}"><title>${escapeHtml(`${label} · ${s.name}: ${o.format(v)}`)}</title></rect>`,
      );
    });
    const note = o.annotations?.[i] ?? o.series.map((s) => o.format(s.values[i] ?? 0)).join(' / ');
    // Past the reference lines too, so a dashed mark never runs through the text.
    const end = Math.max(
      ...o.series.map((s) => x(s.values[i] ?? 0)),
      ...(o.references ?? []).map((r) => x(r.value)),
    );
    parts.push(
      `<text x="${f1(end + 6)}" y="${f1(rowTop + (o.series.length * barH) / 2 + 4)}" class="value" aria-hidden="true">${escapeHtml(note)}</text>`,
    );
  });
  for (const r of o.references ?? [])
    parts.push(
      `<g class="reference" aria-hidden="true"><line x1="${f1(x(r.value))}" x2="${f1(x(r.value))}" y1="${top - 4}" y2="${plotBottom}"/><text x="${f1(x(r.value))}" y="${top - 6}" text-anchor="middle">${escapeHtml(r.label)}</text></g>`,
    );
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${plotBottom}" class="axis"/></svg>`);
  return parts.join('');
};

export interface ProportionOptions extends Frame {
  readonly parts: readonly { readonly name: string; readonly color: string; readonly value: number }[];
  readonly format: (value: number) => string;
}

/** One full-width bar split into its parts, with value and share under each. */
export const proportionBar = (o: ProportionOptions): string => {
  const width = o.width ?? 640;
  const height = 96;
  const left = 8;
  const plotW = width - 16;
  const total = o.parts.reduce((s, p) => s + Math.max(0, p.value), 0);
  const out: string[] = [open(o, width, height)];
  let cx = left;
  o.parts.forEach((p, i) => {
    const share = total === 0 ? 0 : Math.max(0, p.value) / total;
    const w = share * plotW;
    out.push(
      `<rect x="${f1(cx)}" y="10" width="${f1(w)}" height="34" fill="${p.color}"><title>${escapeHtml(`${p.name}: ${o.format(p.value)} (${(share * 100).toFixed(1)} %)`)}</title></rect>`,
    );
    const anchor = i === 0 ? 'start' : 'end';
    const tx = i === 0 ? left : width - 8;
    out.push(
      `<text x="${tx}" y="64" text-anchor="${anchor}" class="label" aria-hidden="true"><tspan fill="${p.color}">■</tspan> ${escapeHtml(p.name)}</text><text x="${tx}" y="82" text-anchor="${anchor}" class="value" aria-hidden="true">${escapeHtml(`${o.format(p.value)} · ${(share * 100).toFixed(1)} %`)}</text>`,
    );
    cx += w;
  });
  out.push('</svg>');
  return out.join('');
};
