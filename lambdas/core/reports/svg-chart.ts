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

const legend = (
  series: readonly { name: string; color: string }[],
  x: number,
  y: number,
  width: number,
): string => {
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
      `<rect x="${cx}" y="${cy - 9}" width="11" height="11" rx="2" fill="${s.color}"/><text x="${cx + 16}" y="${cy}" class="legend">${escapeHtml(label)}</text>`,
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

export interface ColumnChartOptions extends Frame {
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
  const left = 64;
  const right = 12;
  const top = 12 + legendHeight(o.series, width - left - right);
  const plotH = 240;
  const bottom = 28;
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
    `</g><line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/></svg>`,
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
}

/** Horizontal bars, one row per label, grouped when there are several series. */
export const horizontalBarChart = (o: BarChartOptions): string => {
  const width = o.width ?? 640;
  const left = 150;
  const right = 128;
  const showLegend = o.series.length > 1;
  const top =
    (showLegend ? 14 + legendHeight(o.series, width - left - right) + 6 : 8) + (o.references ? 14 : 0);
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
  if (showLegend) parts.push(legend(o.series, left, 16, plotW));
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
