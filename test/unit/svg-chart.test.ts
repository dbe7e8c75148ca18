import { describe, expect, it } from 'vitest';
import {
  CATEGORY_COLORS,
  colorMap,
  dayLabel,
  horizontalBarChart,
  lineChart,
  monthLabel,
  PALETTE,
  PURCHASE_COLORS,
  STATUS_COLORS,
  statusColor,
  visibleAxisStart,
} from '../../lambdas/core/reports/svg-chart.js';

describe('visibleAxisStart', () => {
  it('starts at 0 when the values spread widely, or any is 0', () => {
    expect(visibleAxisStart([100, 400])).toBe(0);
    expect(visibleAxisStart([0, 5, 5])).toBe(0);
    expect(visibleAxisStart([0, 0])).toBe(0);
  });

  it('starts at a round value below the smallest when the values differ by a few percent', () => {
    const values = [27_999.02, 27_504.57, 27_645.3, 27_498.2];
    const from = visibleAxisStart(values);
    expect(from).toBeGreaterThan(26_000);
    expect(from).toBeLessThan(Math.min(...values));
    // The largest difference then takes a visible share of the axis, not 2 %.
    const max = Math.max(...values);
    expect((max - Math.min(...values)) / (max - from)).toBeGreaterThan(0.3);
    expect(from % 100).toBe(0);
  });
});

describe('horizontalBarChart with axisFrom', () => {
  it('prints where the axis starts and draws the smallest bar short, not near full length', () => {
    const svg = horizontalBarChart({
      id: 'c',
      title: 'Cost',
      desc: 'Cost per policy',
      labels: ['a', 'b'],
      series: [{ name: 'cost', color: PALETTE[0], values: [1000, 1040] }],
      format: (v) => `$${v}`,
      axisFrom: 950,
    });
    expect(svg).toContain('axis starts at $950, not 0');
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect((widths[0] ?? 0) / (widths[1] ?? 1)).toBeLessThan(0.7);
  });
});

describe('time axes and colour scales', () => {
  it('names days and months the way a reader says them', () => {
    expect(dayLabel('2026-11-04')).toBe('Nov 4');
    expect(dayLabel('2027-01-01', true)).toBe('Jan 1, 2027');
    expect(monthLabel('2026-12')).toBe('Dec 2026');
  });

  it('fixes team colours by the sorted names, whatever order the teams come in', () => {
    const a = colorMap(['vision', 'nlp', 'speech']);
    const b = colorMap(['speech', 'vision', 'nlp']);
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    expect(a.get('nlp')).toBe(CATEGORY_COLORS[0]);
    const others = [...Object.values(STATUS_COLORS), ...Object.values(PURCHASE_COLORS)];
    for (const c of CATEGORY_COLORS) expect(others).not.toContain(c);
  });

  it('puts a share of a budget on the status scale', () => {
    expect([statusColor(79.9), statusColor(80), statusColor(99.9), statusColor(100)]).toEqual([
      STATUS_COLORS.under,
      STATUS_COLORS.near,
      STATUS_COLORS.near,
      STATUS_COLORS.over,
    ]);
  });

  it('draws lines with axis titles, dated ticks and a legend naming every line and level', () => {
    const svg = lineChart({
      id: 'l',
      title: 'Cumulative',
      desc: 'Cumulative spend',
      xMax: 30,
      xTicks: [
        { at: 0, label: 'Nov 1' },
        { at: 15, label: 'Nov 16' },
      ],
      lines: [
        {
          name: 'actual',
          color: '#0072B2',
          points: [
            [0, 0],
            [15, 100],
          ],
        },
        {
          name: 'forecast',
          color: '#0072B2',
          points: [
            [15, 100],
            [30, 200],
          ],
          dashed: true,
        },
      ],
      levels: [{ name: 'budget', value: 150, color: '#1b1f24' }],
      format: (v) => `$${v}`,
      xTitle: 'Day (UTC)',
      yTitle: 'USD',
    });
    expect(svg).toContain('role="img" aria-labelledby="l-title" aria-describedby="l-desc"');
    for (const text of ['Nov 1', 'Nov 16', 'Day (UTC)', 'USD', 'actual', 'forecast', 'budget'])
      expect(svg).toContain(`>${text}</text>`);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="4 3"');
  });
});
