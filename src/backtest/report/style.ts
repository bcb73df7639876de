/** The report's stylesheet (inlined: the page must load nothing). */
export const REPORT_CSS = `
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;background:#f8fafc}
header h1{margin:0 0 4px;font-size:22px}
.sub{margin:0 0 16px;color:#64748b;font-size:12px;word-break:break-all}
h2{font-size:16px;margin:28px 0 10px}
h3{font-size:13px;margin:16px 0 6px;color:#334155}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:4px 16px 12px;margin-top:16px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;padding:12px 16px}
.kpi .label{color:#64748b;font-size:12px}
.kpi .value{font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.up{color:#15803d}.down{color:#b91c1c}
.chart{height:320px;width:100%}
.chart.tall{height:420px}
.note{color:#64748b;font-size:12px;margin:6px 0}
.error{color:#b91c1c;font-weight:600;margin:0}
.error:empty{display:none}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:12px}
th,td{padding:4px 8px;border-bottom:1px solid #f1f5f9;text-align:right;white-space:nowrap}
th{color:#475569;font-weight:500}
table.metrics th{text-align:left}
table.metrics{width:100%}
table.metrics td{text-align:right;font-weight:500}
table.run td{white-space:normal;word-break:break-all}
.columns{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:24px}
.heatmap td{min-width:58px;text-align:center;color:#0f172a}
.heatmap td.empty{background:#f8fafc}
.heatmap td.year{font-weight:600}
.scroll{max-height:520px;overflow:auto}
table.trades tr.up td:nth-child(9),table.trades tr.up td:nth-child(10){color:#15803d}
table.trades tr.down td:nth-child(9),table.trades tr.down td:nth-child(10){color:#b91c1c}
pre{background:#f8fafc;border:1px solid #e2e8f0;border-radius:6px;padding:8px;font-size:12px;overflow:auto;max-height:240px}
`;
