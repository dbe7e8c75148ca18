import { escapeHtml } from './svg-chart.js';

/**
 * The look every HTML page shares (the cost report, the simulate page, the bill reconciliation): one stylesheet for the
 * page, its figures, tables and the charts of svg-chart.ts, inline under a CSP that allows
 * nothing else.
 */
export const PAGE_CSS = `
:root{color-scheme:light;--ink:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa;--card:#fff;--accent:#0072B2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#0b2540;color:#fff;padding:28px 32px 24px}
header h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header p{margin:0;color:#c9d6e3}
main{max-width:1280px;margin:0 auto;padding:24px 32px 48px}
h2{font-size:18px;margin:0 0 4px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin:0 0 24px;padding:0;list-style:none}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.kpi .k{display:block;color:var(--muted);font-size:13px}
.kpi .v{display:block;font-size:24px;font-weight:650;font-variant-numeric:tabular-nums;margin-top:2px}
.kpi .s{display:block;color:var(--muted);font-size:12.5px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
figure{margin:0 0 16px;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px}
figcaption{margin:0 0 10px}
figcaption .sub{display:block;color:var(--muted);font-size:13px}
.chart{display:block;width:100%;height:auto;font-family:inherit}
.chart text{font-size:11.5px;fill:var(--ink)}
.chart .tick{fill:var(--muted);font-size:10.5px}
.chart .legend{font-size:11.5px}
.chart .value{fill:var(--muted);font-size:11px}
.chart .grid line{stroke:#e6e9ed;stroke-width:1}
.chart .axis{stroke:#8c959f;stroke-width:1}
.chart .reference line{stroke:#b42318;stroke-dasharray:4 3;stroke-width:1.2}
.chart .reference text{fill:#b42318;font-size:10.5px}
section{margin-top:8px}
.table-wrap{overflow-x:auto;margin:0 0 20px;background:var(--card);border:1px solid var(--line);border-radius:8px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
caption{text-align:left;font-weight:650;font-size:16px;padding:12px 10px 8px}
th,td{padding:6px 7px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
th[scope=row],td.text,th.text{text-align:left}
thead th{background:#f0f3f6;font-weight:600;color:#24292f;position:sticky;top:0}
tfoot th,tfoot td{font-weight:650;background:#f6f8fa;border-top:2px solid var(--line)}
.over{color:#b42318;font-weight:600}
.note{color:var(--muted);font-size:13px;margin:4px 0 20px}
footer{color:var(--muted);font-size:12.5px;margin-top:28px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.chart .axis-title text{fill:var(--muted);font-size:11.5px}
@page{size:A4 landscape;margin:12mm}
@media print{
body{background:#fff;font-size:11px}
header{background:#fff;color:#000;padding:0 0 8px}header p{color:#333}
main{max-width:none;padding:0}
.kpis{grid-template-columns:repeat(4,1fr)}
.grid2{display:grid;grid-template-columns:1fr 1fr}
figure,tr,.kpi{break-inside:avoid}
.chart{print-color-adjust:exact;-webkit-print-color-adjust:exact}
.table-wrap{overflow:visible;border:0}
table{font-size:9px;break-inside:auto}
th,td{padding:3px 4px;white-space:normal}
thead{display:table-header-group}
thead th{position:static}
}
`;

/**
 * The Content-Security-Policy every page sets: inline styles only (the stylesheet and the status
 * swatches' colours), no scripts, no requests.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** A chart in its figure, named by a heading and a one-line subtitle. */
export const figure = (id: string, caption: string, sub: string, svg: string): string =>
  `<figure aria-labelledby="${id}-caption"><figcaption id="${id}-caption"><h2>${escapeHtml(caption)}</h2><span class="sub">${escapeHtml(sub)}</span></figcaption>${svg}</figure>`;

/**
 * A whole page: the shared head (CSP, stylesheet), a header with the title and a subtitle, and
 * `main` (already HTML) as the page's content. Title and subtitle are escaped here.
 */
export const pageHtml = (title: string, subtitle: string, main: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<title>${escapeHtml(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header>
<main>
${main}
</main>
</body>
</html>
`;
