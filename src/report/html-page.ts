// The HTML report's own style and script, inlined into every report and
// allowed by the page's Content-Security-Policy through their sha256 hashes.
// The script is page-script.ts, type-checked against the DOM and compiled to
// ES2017 by the build (scripts/postbuild.mjs) into page-script.js beside this file.
import { readFileSync } from 'node:fs';

export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --dim: #59636e; --line: #d1d9e0; --head: #f6f8fa;
  --accent: #0969da; --edge: #0550ae; --bad: #cf222e; --bad-bg: #ffebe9; --ok: #1a7f37; --ok-bg: #dafbe1;
  --mark: #fff8c5; --redacted: #8250df; --focus: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --dim: #9198a1; --line: #3d444d; --head: #151b23; --accent: #4493f8;
    --edge: #79c0ff; --bad: #ff7b72; --bad-bg: #3c1618; --ok: #56d364; --ok-bg: #12261e; --mark: #3b2e00;
    --redacted: #d2a8ff; --focus: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 20px 0 6px; }
h4 { font-size: 0.95rem; margin: 12px 0 4px; }
p { margin: 6px 0; }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
h1, h2, h3, h4, p, li, summary, pre, td.name, td.mono { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; background: var(--head); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.dim { color: var(--dim); }
.verdict { border: 1px solid var(--line); border-left: 6px solid var(--ok); background: var(--ok-bg); border-radius: 6px; padding: 10px 16px; margin: 12px 0; }
.verdict.leak { border-left-color: var(--bad); background: var(--bad-bg); }
.verdict p:first-child { font-weight: 600; font-size: 1.05rem; }
.notice { border: 1px dashed var(--redacted); border-radius: 6px; padding: 6px 12px; }
.redacted { color: var(--redacted); font-style: italic; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
.scroll:focus-visible, button:focus-visible, summary:focus-visible, input:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--head); position: sticky; top: 0; font-weight: 600; white-space: nowrap; }
td { white-space: nowrap; }
td.name, td.mono { white-space: normal; min-width: 12ch; max-width: 40ch; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num button { text-align: right; }
th button { font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; width: 100%; text-align: left; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: 0.7em; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: 0.7em; }
tr.marked td { background: var(--mark); }
tbody tr:hover td { background: var(--head); }
.badge { display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0 6px; border-radius: 10px; border: 1px solid var(--bad); color: var(--bad); margin-right: 6px; vertical-align: 1px; }
.filter { display: flex; gap: 8px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
.filter input { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); min-width: 16em; }
.item { border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 10px; margin: 12px 0; }
.item.is-suspect { border-left: 4px solid var(--bad); }
.item ul { margin: 4px 0; padding-left: 20px; }
.holders > li { margin: 6px 0; }
ul.retains { list-style: none; padding-left: 1.2em; margin: 2px 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
ul.retains summary { color: inherit; }
.sizes { color: var(--dim); }
details { margin: 2px 0 6px; }
summary { cursor: pointer; color: var(--accent); }
ol.path { margin: 4px 0; padding-left: 2.5em; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
ol.path li { padding: 1px 0; overflow-wrap: anywhere; }
.edge { color: var(--edge); }
.node { font-weight: 600; }
.nid, .ntype, .loc { color: var(--dim); }
.loc::before { content: "\\2014  "; }
img.chart { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
dl.env { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.env dt { color: var(--dim); }
dl.env dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 32px; color: var(--dim); font-size: 0.85rem; }
`;

let pageScriptText: string | null = null;

/**
 * The compiled page-script.ts, as the build wrote it: a classic script, no import or export.
 * Read when a report is first made, not when a command that writes none starts.
 */
export function pageScript(): string {
  pageScriptText ??= readFileSync(new URL('./page-script.js', import.meta.url), 'utf8');
  return pageScriptText;
}
