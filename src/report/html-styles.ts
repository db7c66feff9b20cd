/** The HTML report's style sheet: one page, no script, nothing fetched. */
export const styles = `
:root { --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #667085; --line: #e4e7ec;
  --sent: #2f9e6b; --failed: #d9483b; --deferred: #e6a23c; --doubt: #8e6bd8; --pending: #98a2b3; --limits: #3d7be0; --paused: #d9483b; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --panel: #1b2029; --text: #e6e9ef; --muted: #98a2b3; --line: #2c3340; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
section, header { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 20px 24px; margin-bottom: 20px; }
h1 { margin: 0 0 6px; font-size: 26px; overflow-wrap: break-word; }
h2 { margin: 0 0 14px; font-size: 17px; }
.eyebrow { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 12px; font-weight: 600; }
.facts { margin: 0 0 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 18px; }
.status { margin: 0; padding: 8px 12px; border-radius: 8px; border-left: 4px solid var(--pending); background: color-mix(in srgb, var(--pending) 12%, transparent); }
.status-done { border-color: var(--sent); background: color-mix(in srgb, var(--sent) 12%, transparent); }
.status-paused, .status-interrupted { border-color: var(--deferred); background: color-mix(in srgb, var(--deferred) 14%, transparent); }
.status-stopped { border-color: var(--failed); background: color-mix(in srgb, var(--failed) 12%, transparent); }
.status-running { border-color: var(--limits); background: color-mix(in srgb, var(--limits) 12%, transparent); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.card { padding: 12px 14px; border-radius: 10px; border: 1px solid var(--line); display: flex; flex-direction: column; }
.card .value { font-size: 38px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
.card .label { font-weight: 600; }
.card .note { color: var(--muted); font-size: 13px; }
.card-sent .value { color: var(--sent); } .card-failed .value { color: var(--failed); }
.card-in_doubt .value { color: var(--doubt); } .card-pending .value, .card-skipped .value { color: var(--muted); }
.meter { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: var(--line); margin-top: 16px; }
.meter .sent { background: var(--sent); } .meter .failed { background: var(--failed); } .meter .in_doubt { background: var(--doubt); }
.legend { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; color: var(--muted); font-size: 13px; margin: 0 0 8px; }
.key { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-left: 10px; }
.key:first-child { margin-left: 0; }
.key.sent { background: var(--sent); } .key.failed { background: var(--failed); } .key.deferred { background: var(--deferred); }
.key.marker-limits { background: var(--limits); border-radius: 50%; } .key.marker-paused { background: var(--paused); border-radius: 50%; }
.key.gap { background: repeating-linear-gradient(45deg, var(--line) 0 2px, transparent 2px 5px); border: 1px solid var(--line); }
.chart { width: 100%; height: auto; display: block; font-size: 12px; }
.chart text { fill: var(--muted); }
.chart .grid { stroke: var(--line); }
.chart .axis, .chart .tick { stroke: var(--muted); }
.chart .axis-title { font-weight: 600; }
.chart .date { font-weight: 600; }
.chart rect.sent { fill: var(--sent); } .chart rect.failed { fill: var(--failed); } .chart rect.deferred { fill: var(--deferred); }
.chart .bar:hover rect { opacity: .8; }
.chart .hatch-line { stroke: var(--line); stroke-width: 3; }
.chart .break rect { stroke: none; }
.chart .break text { font-size: 11px; }
.chart .pause-band { fill: var(--paused); opacity: .08; }
.chart .marker-line { stroke-width: 1.5; stroke-dasharray: 4 3; }
.chart .leader { stroke-width: 1; }
.chart .marker text { fill: #fff; font-size: 11px; font-weight: 700; }
.chart .marker-limits line { stroke: var(--limits); } .chart .marker-limits circle { fill: var(--limits); }
.chart .marker-paused line, .chart .marker-stopped line { stroke: var(--paused); }
.chart .marker-paused circle, .chart .marker-stopped circle { fill: var(--paused); }
.caption { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
.empty { color: var(--muted); margin: 0; }
.events { list-style: none; margin: 14px 0 0; padding: 0; max-height: 320px; overflow: auto; border-top: 1px solid var(--line); }
.event { display: grid; grid-template-columns: 28px 190px minmax(120px, auto) 1fr; gap: 10px; align-items: baseline; padding: 6px 0; border-bottom: 1px solid var(--line); font-size: 14px; }
.badge { display: inline-flex; justify-content: center; align-items: center; width: 20px; height: 20px; border-radius: 50%; color: #fff; font-size: 11px; font-weight: 700; background: var(--limits); }
.event-paused .badge, .event-stopped .badge { background: var(--paused); }
.event time { color: var(--muted); font-variant-numeric: tabular-nums; }
.event .why { color: var(--muted); overflow-wrap: anywhere; }
.reason { padding: 10px 0; border-top: 1px solid var(--line); }
.reason:first-of-type { border-top: none; }
.reason-head { display: flex; gap: 12px; align-items: baseline; }
.reason-name { font-weight: 700; color: var(--failed); }
.reason-text { color: var(--muted); flex: 1; }
.reason-count { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
.reason-bar { height: 6px; background: var(--line); border-radius: 3px; margin: 6px 0; }
.reason-bar span { display: block; height: 100%; border-radius: 3px; background: var(--failed); }
.reason ul { margin: 6px 0 0; padding-left: 18px; font-size: 14px; }
.reason .detail { color: var(--muted); overflow-wrap: anywhere; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: color-mix(in srgb, var(--muted) 14%, transparent); padding: 1px 5px; border-radius: 4px; }
.skipped p { margin: 0; }
.chip { display: inline-block; margin: 0 8px 6px 0; padding: 3px 10px; border-radius: 999px; background: color-mix(in srgb, var(--muted) 14%, transparent); }
.table-box { border: 1px solid var(--line); border-radius: 8px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { position: sticky; top: 0; background: var(--panel); text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); }
th, td { padding: 6px 10px; vertical-align: top; }
tbody tr:nth-child(even) { background: color-mix(in srgb, var(--muted) 6%, transparent); }
/* An address or a code broken mid-word reads as two; the table scrolls sideways instead. */
td.address, td.code, .reason .address { white-space: nowrap; }
td.detail { color: var(--muted); overflow-wrap: break-word; min-width: 240px; max-width: 360px; }
td.when { white-space: nowrap; color: var(--muted); font-variant-numeric: tabular-nums; }
.line { color: var(--muted); font-size: 12px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; color: #fff; background: var(--pending); }
.pill-sent { background: var(--sent); } .pill-failed { background: var(--failed); } .pill-deferred { background: var(--deferred); }
.pill-in_doubt { background: var(--doubt); }
footer { color: var(--muted); font-size: 13px; text-align: center; }
`;
