// The HTML report's own style and script, inlined into every report and
// allowed by the page's Content-Security-Policy through their sha256 hashes.
// The script renders the JSON data block with DOM APIs and textContent only:
// names from a snapshot never become markup. Plain ES2017 in a string (no
// template literals inside), since it runs in the reader's browser, not here.

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

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var started = performance.now();
  var UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
  var REDACTED = /<redacted [^<>]*>/g;
  var NUMERIC = { count: 1, signed: 1, bytes: 1, signedBytes: 1, mb: 1 };

  function bytes(n) {
    var v = Math.abs(n), u = 0;
    while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
    var t = u === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : 1);
    return (n < 0 ? '-' : '') + t + ' ' + UNITS[u];
  }
  function count(n) { return n.toLocaleString('en-US'); }
  function signed(n, f) { return n > 0 ? '+' + f(n) : f(n); }
  function formatCell(kind, v) {
    if (v === null || v === undefined) return '';
    switch (kind) {
      case 'count': return count(v);
      case 'signed': return signed(v, count);
      case 'bytes': return bytes(v);
      case 'signedBytes': return signed(v, bytes);
      case 'mb': return (v / 1048576).toFixed(2);
      default: return String(v);
    }
  }

  // Text into an element; leakscan's redaction markers shown as such. Never markup.
  function put(node, text) {
    var last = 0, m;
    REDACTED.lastIndex = 0;
    while ((m = REDACTED.exec(text))) {
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      var span = document.createElement('span');
      span.className = 'redacted';
      span.title = 'redacted by leakscan';
      span.textContent = m[0];
      node.appendChild(span);
      last = m.index + m[0].length;
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
    return node;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) put(node, String(text));
    return node;
  }

  var tableCount = 0;
  function table(b) {
    var box = el('section', 'table-block');
    var id = b.id || 'table-' + (++tableCount);
    if (b.title) box.appendChild(el('h3', null, b.title)).id = id + '-title';
    var entries = [];
    var status = null;
    if (b.filter !== undefined && b.filter !== null) {
      var bar = el('div', 'filter');
      var label = el('label', null, 'Filter ' + b.columns[b.filter].label.toLowerCase());
      var input = document.createElement('input');
      input.type = 'search';
      input.id = id + '-filter';
      input.placeholder = 'part of a name';
      input.autocomplete = 'off';
      label.htmlFor = input.id;
      status = el('span', 'dim');
      status.setAttribute('aria-live', 'polite');
      bar.appendChild(label);
      bar.appendChild(input);
      bar.appendChild(status);
      box.appendChild(bar);
      input.addEventListener('input', function () {
        var q = input.value.trim().toLowerCase(), shown = 0;
        entries.forEach(function (e) {
          var hit = q === '' || String(e.row[b.filter]).toLowerCase().indexOf(q) >= 0;
          e.tr.hidden = !hit;
          if (hit) shown++;
        });
        status.textContent = q === '' ? '' : shown + ' of ' + entries.length + ' rows';
      });
    }
    var scroll = el('div', 'scroll');
    scroll.tabIndex = 0;
    scroll.setAttribute('role', 'region');
    if (b.title) scroll.setAttribute('aria-labelledby', id + '-title');
    var t = el('table');
    t.id = id;
    var head = t.createTHead().insertRow();
    var ths = [];
    var sorted = { column: -1, dir: '' };
    b.columns.forEach(function (c, i) {
      var th = document.createElement('th');
      th.scope = 'col';
      if (NUMERIC[c.kind]) th.className = 'num';
      if (c.title) th.title = c.title;
      var button = el('button', null, c.label);
      button.type = 'button';
      button.addEventListener('click', function () { sortBy(i); });
      th.appendChild(button);
      head.appendChild(th);
      ths.push(th);
    });
    var body = t.createTBody();
    b.rows.forEach(function (row) {
      var tr = body.insertRow();
      if (b.mark !== undefined && b.mark !== null && row[b.mark]) tr.className = 'marked';
      b.columns.forEach(function (c, i) {
        var td = tr.insertCell();
        var v = row[i];
        if (NUMERIC[c.kind]) td.className = 'num';
        else if (c.kind === 'name') td.className = 'name';
        else if (c.kind === 'code') td.className = 'mono';
        if (c.kind === 'flag') { if (v) td.appendChild(el('span', 'badge', c.flag || 'yes')); }
        else put(td, formatCell(c.kind, v));
      });
      entries.push({ row: row, tr: tr });
    });
    if (b.rows.length === 0 && b.empty) {
      var td = body.insertRow().insertCell();
      td.colSpan = b.columns.length;
      td.className = 'dim';
      td.textContent = b.empty;
    }
    function sortBy(i) {
      var numeric = NUMERIC[b.columns[i].kind] || b.columns[i].kind === 'flag';
      var dir = sorted.column === i ? (sorted.dir === 'ascending' ? 'descending' : 'ascending') : numeric ? 'descending' : 'ascending';
      sorted = { column: i, dir: dir };
      var sign = dir === 'ascending' ? 1 : -1;
      var order = entries.map(function (e, k) { return { e: e, k: k }; });
      order.sort(function (x, y) {
        var a = x.e.row[i], c = y.e.row[i];
        if (a === null || a === undefined) return c === null || c === undefined ? x.k - y.k : 1;
        if (c === null || c === undefined) return -1;
        var r = typeof a === 'string' ? a.localeCompare(c) : Number(a) - Number(c);
        return r !== 0 ? sign * r : x.k - y.k;
      });
      order.forEach(function (o) { body.appendChild(o.e.tr); });
      ths.forEach(function (th, k) {
        if (k === i) th.setAttribute('aria-sort', dir);
        else th.removeAttribute('aria-sort');
      });
    }
    scroll.appendChild(t);
    box.appendChild(scroll);
    if (b.note) box.appendChild(el('p', 'dim', b.note));
    return box;
  }

  function pathList(steps) {
    var ol = el('ol', 'path');
    steps.forEach(function (s) {
      var li = el('li');
      if (s.type === 'elided') { li.appendChild(el('span', 'dim', s.name)); ol.appendChild(li); return; }
      if (s.edge !== null) { li.appendChild(el('span', 'edge', s.edge)); li.appendChild(document.createTextNode(' ')); }
      li.appendChild(el('span', 'node', s.name));
      li.appendChild(document.createTextNode(' '));
      li.appendChild(el('span', 'nid', '@' + s.id));
      li.appendChild(document.createTextNode(' '));
      li.appendChild(el('span', 'ntype', s.type));
      if (s.loc) { li.appendChild(document.createTextNode(' ')); li.appendChild(el('span', 'loc', s.loc)); }
      ol.appendChild(li);
    });
    return ol;
  }

  // What an object retains: a child with children of its own is a <details> that opens to them.
  function treeLine(parent, n) {
    if (n.type === 'more') { parent.appendChild(el('span', 'dim', n.name)); return; }
    if (n.edge) { parent.appendChild(el('span', 'edge', n.edge)); parent.appendChild(document.createTextNode(' ')); }
    parent.appendChild(el('span', 'node', n.name));
    parent.appendChild(document.createTextNode(' '));
    parent.appendChild(el('span', 'nid', '@' + n.id));
    parent.appendChild(document.createTextNode(' '));
    parent.appendChild(el('span', 'ntype', n.type));
    parent.appendChild(el('span', 'sizes', ' self ' + bytes(n.self) + ' \u00b7 retained ' + bytes(n.retained)));
  }
  function treeList(nodes) {
    var ul = el('ul', 'retains');
    nodes.forEach(function (n) {
      var li = el('li');
      if (n.kids.length || n.more) {
        var d = el('details');
        var s = el('summary');
        treeLine(s, n);
        d.appendChild(s);
        var kids = n.kids.slice();
        if (n.more) kids.push({ type: 'more', name: n.more, kids: [] });
        d.appendChild(treeList(kids));
        li.appendChild(d);
      } else treeLine(li, n);
      ul.appendChild(li);
    });
    return ul;
  }

  function item(b) {
    var box = el('article', b.badge ? 'item is-suspect' : 'item');
    var h = el('h3');
    if (b.badge) h.appendChild(el('span', 'badge', b.badge));
    put(h, b.title);
    box.appendChild(h);
    if (b.facts.length) {
      var facts = el('ul', 'facts');
      b.facts.forEach(function (f) { facts.appendChild(el('li', null, f)); });
      box.appendChild(facts);
    }
    if (b.paths.length) {
      if (b.pathsTitle) box.appendChild(el('h4', null, b.pathsTitle));
      var list = el('ul', 'holders');
      b.paths.forEach(function (p) {
        var li = el('li');
        li.appendChild(el('p', null, p.text));
        if (p.steps) {
          var d = el('details', 'retainer-path');
          d.open = Boolean(p.open);
          d.appendChild(el('summary', null, 'Retainer path, ' + p.steps.length + ' steps from the GC roots'));
          d.appendChild(pathList(p.steps));
          li.appendChild(d);
        }
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    if (b.tree) {
      box.appendChild(el('h4', null, b.tree.title));
      if (b.tree.nodes.length) box.appendChild(treeList(b.tree.nodes));
    }
    if (b.stacks.length) {
      box.appendChild(el('h4', null, 'Allocation stacks'));
      var stacks = el('ul', 'stacks');
      b.stacks.forEach(function (s) { stacks.appendChild(el('li', 'mono', s)); });
      box.appendChild(stacks);
    }
    return box;
  }

  function block(b) {
    switch (b.t) {
      case 'h': { var h = el(b.level === 2 ? 'h2' : 'h3', null, b.text); if (b.id) h.id = b.id; return h; }
      case 'p': return el('p', b.cls || null, b.text);
      case 'pre': return el('pre', null, b.text);
      case 'list': {
        var ul = el('ul');
        b.items.forEach(function (x) { ul.appendChild(el('li', null, x)); });
        return ul;
      }
      case 'verdict': {
        var v = el('section', b.leak ? 'verdict leak' : 'verdict');
        v.setAttribute('aria-label', 'Summary');
        b.lines.forEach(function (line) { v.appendChild(el('p', null, line)); });
        return v;
      }
      case 'img': {
        var img = document.createElement('img');
        img.className = 'chart';
        img.alt = b.alt;
        img.src = b.src;
        return img;
      }
      case 'kv': {
        var dl = el('dl', 'env');
        b.rows.forEach(function (r) { dl.appendChild(el('dt', null, r[0])); dl.appendChild(el('dd', null, r[1])); });
        return dl;
      }
      case 'table': return table(b);
      case 'item': return item(b);
      default: return el('p', 'dim', 'unknown block ' + String(b.t));
    }
  }

  var root = document.getElementById('report');
  try {
    var data = JSON.parse(document.getElementById('leakscan-data').textContent);
    root.textContent = '';
    root.appendChild(el('h1', null, data.heading));
    if (data.subtitle) root.appendChild(el('p', 'dim', data.subtitle));
    if (data.redacted) root.appendChild(el('p', 'notice', data.redacted));
    data.blocks.forEach(function (b) { root.appendChild(block(b)); });
    if (data.footer) root.appendChild(el('footer', null, data.footer));
    // For the benchmark and tests: the script's own time, and the time since navigation started.
    document.documentElement.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
    document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  } catch (err) {
    root.appendChild(el('pre', null, 'This report could not be shown: ' + (err && err.message)));
    throw err;
  }
})();
`;
