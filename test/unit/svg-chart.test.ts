import { describe, expect, it } from 'vitest';
import { horizontalBarChart, PALETTE, visibleAxisStart } from '../../lambdas/core/reports/svg-chart.js';

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
