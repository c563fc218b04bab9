// The HTML report's script, run in the reader's browser: it renders the JSON
// data block (html.ts's display blocks) with DOM APIs and textContent only, so
// names from a snapshot never become markup. Type-checked against the DOM by
// tsconfig.page.json (the main program has no DOM), compiled to ES2017 by
// scripts/postbuild.mjs into dist/src/report/page-script.js, which html-page.ts
// inlines into every report and allows by its sha256 hash. Its one value import,
// text/numbers.ts, is inlined by the build with it (it imports nothing itself).

import { formatBytes, formatCount, formatMB, formatSigned, formatSignedBytes } from '../text/numbers.js';
import type { Block, Cell, Column, Page, PathStepView, PathView, TreeNodeView } from './html.js';

type Kind = Column['kind'];
type TableBlock = Extract<Block, { t: 'table' }>;
type ItemBlock = Extract<Block, { t: 'item' }>;

(() => {
  const started = performance.now();
  const REDACTED = /<redacted [^<>]*>/g;
  const NUMERIC: Partial<Record<Kind, true>> = { count: true, signed: true, bytes: true, signedBytes: true, mb: true };

  function formatCell(kind: Kind, v: Cell | undefined): string {
    if (v === null || v === undefined) return '';
    switch (kind) {
      case 'count':
        return formatCount(Number(v));
      case 'signed':
        return formatSigned(Number(v));
      case 'bytes':
        return formatBytes(Number(v));
      case 'signedBytes':
        return formatSignedBytes(Number(v));
      case 'mb':
        return formatMB(Number(v));
      default:
        return String(v);
    }
  }

  // Text into an element; leakscan's redaction markers shown as such. Never markup.
  function put<T extends Node>(node: T, text: string): T {
    let last = 0;
    REDACTED.lastIndex = 0;
    for (let m = REDACTED.exec(text); m; m = REDACTED.exec(text)) {
      if (m.index > last) node.appendChild(document.createTextNode(text.slice(last, m.index)));
      const span = document.createElement('span');
      span.className = 'redacted';
      span.title = 'redacted by leakscan';
      span.textContent = m[0];
      node.appendChild(span);
      last = m.index + m[0].length;
    }
    if (last < text.length) node.appendChild(document.createTextNode(text.slice(last)));
    return node;
  }
  function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    cls?: string | null,
    text?: string | number | null,
  ): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) put(node, String(text));
    return node;
  }

  let tableCount = 0;
  function table(b: TableBlock): HTMLElement {
    const box = el('section', 'table-block');
    const id = b.id || `table-${++tableCount}`;
    if (b.title) box.appendChild(el('h3', null, b.title)).id = `${id}-title`;
    const entries: { row: Cell[]; tr: HTMLTableRowElement }[] = [];
    const filter = b.filter;
    if (filter !== undefined && filter !== null) {
      const bar = el('div', 'filter');
      const label = el('label', null, `Filter ${b.columns[filter].label.toLowerCase()}`);
      const input = document.createElement('input');
      input.type = 'search';
      input.id = `${id}-filter`;
      input.placeholder = 'part of a name';
      input.autocomplete = 'off';
      label.htmlFor = input.id;
      const status = el('span', 'dim');
      status.setAttribute('aria-live', 'polite');
      bar.appendChild(label);
      bar.appendChild(input);
      bar.appendChild(status);
      box.appendChild(bar);
      input.addEventListener('input', () => {
        const q = input.value.trim().toLowerCase();
        let shown = 0;
        for (const e of entries) {
          const hit = q === '' || String(e.row[filter]).toLowerCase().indexOf(q) >= 0;
          e.tr.hidden = !hit;
          if (hit) shown++;
        }
        status.textContent = q === '' ? '' : `${shown} of ${entries.length} rows`;
      });
    }
    const scroll = el('div', 'scroll');
    scroll.tabIndex = 0;
    scroll.setAttribute('role', 'region');
    if (b.title) scroll.setAttribute('aria-labelledby', `${id}-title`);
    const t = el('table');
    t.id = id;
    const head = t.createTHead().insertRow();
    const ths: HTMLTableCellElement[] = [];
    let sorted = { column: -1, dir: '' };
    const body = t.createTBody();
    function sortBy(i: number): void {
      const numeric = NUMERIC[b.columns[i].kind] || b.columns[i].kind === 'flag';
      const dir =
        sorted.column === i
          ? sorted.dir === 'ascending'
            ? 'descending'
            : 'ascending'
          : numeric
            ? 'descending'
            : 'ascending';
      sorted = { column: i, dir };
      const sign = dir === 'ascending' ? 1 : -1;
      const order = entries.map((e, k) => ({ e, k }));
      order.sort((x, y) => {
        const a = x.e.row[i];
        const c = y.e.row[i];
        if (a === null || a === undefined) return c === null || c === undefined ? x.k - y.k : 1;
        if (c === null || c === undefined) return -1;
        const r = typeof a === 'string' ? a.localeCompare(String(c)) : Number(a) - Number(c);
        return r !== 0 ? sign * r : x.k - y.k;
      });
      for (const o of order) body.appendChild(o.e.tr);
      ths.forEach((th, k) => {
        if (k === i) th.setAttribute('aria-sort', dir);
        else th.removeAttribute('aria-sort');
      });
    }
    b.columns.forEach((c, i) => {
      const th = document.createElement('th');
      th.scope = 'col';
      if (NUMERIC[c.kind]) th.className = 'num';
      if (c.title) th.title = c.title;
      const button = el('button', null, c.label);
      button.type = 'button';
      button.addEventListener('click', () => sortBy(i));
      th.appendChild(button);
      head.appendChild(th);
      ths.push(th);
    });
    for (const row of b.rows) {
      const tr = body.insertRow();
      if (b.mark !== undefined && b.mark !== null && row[b.mark]) tr.className = 'marked';
      b.columns.forEach((c, i) => {
        const td = tr.insertCell();
        const v = row[i];
        if (NUMERIC[c.kind]) td.className = 'num';
        else if (c.kind === 'name') td.className = 'name';
        else if (c.kind === 'code') td.className = 'mono';
        if (c.kind === 'flag') {
          if (v) td.appendChild(el('span', 'badge', c.flag || 'yes'));
        } else put(td, formatCell(c.kind, v));
      });
      entries.push({ row, tr });
    }
    if (b.rows.length === 0 && b.empty) {
      const td = body.insertRow().insertCell();
      td.colSpan = b.columns.length;
      td.className = 'dim';
      td.textContent = b.empty;
    }
    scroll.appendChild(t);
    box.appendChild(scroll);
    if (b.note) box.appendChild(el('p', 'dim', b.note));
    return box;
  }

  /** A node as paths and trees show it: `edge name @id type` (no edge: none shown). */
  function appendNode(parent: HTMLElement, edge: string | null, n: { name: string; id: number; type: string }): void {
    if (edge !== null) {
      parent.appendChild(el('span', 'edge', edge));
      parent.appendChild(document.createTextNode(' '));
    }
    parent.appendChild(el('span', 'node', n.name));
    parent.appendChild(document.createTextNode(' '));
    parent.appendChild(el('span', 'nid', `@${n.id}`));
    parent.appendChild(document.createTextNode(' '));
    parent.appendChild(el('span', 'ntype', n.type));
  }

  function pathList(steps: PathStepView[]): HTMLElement {
    const ol = el('ol', 'path');
    for (const s of steps) {
      const li = el('li');
      if (s.type === 'elided') {
        li.appendChild(el('span', 'dim', s.name));
        ol.appendChild(li);
        continue;
      }
      appendNode(li, s.edge, s);
      if (s.loc) {
        li.appendChild(document.createTextNode(' '));
        li.appendChild(el('span', 'loc', s.loc));
      }
      ol.appendChild(li);
    }
    return ol;
  }

  function holder(p: PathView): HTMLElement {
    const li = el('li');
    li.appendChild(el('p', null, p.text));
    if (p.steps) {
      const d = el('details', 'retainer-path');
      d.open = Boolean(p.open);
      d.appendChild(el('summary', null, `Retainer path, ${p.steps.length} steps from the GC roots`));
      d.appendChild(pathList(p.steps));
      li.appendChild(d);
    }
    return li;
  }

  // What an object retains: a child with children of its own is a <details> that opens to them.
  type TreeLine = TreeNodeView | { type: 'more'; name: string };
  function treeLine(parent: HTMLElement, n: TreeLine): void {
    if (!('kids' in n)) {
      parent.appendChild(el('span', 'dim', n.name));
      return;
    }
    appendNode(parent, n.edge || null, n);
    parent.appendChild(el('span', 'sizes', ` self ${formatBytes(n.self)} \u00b7 retained ${formatBytes(n.retained)}`));
  }
  function treeList(nodes: TreeLine[]): HTMLElement {
    const ul = el('ul', 'retains');
    for (const n of nodes) {
      const li = el('li');
      if ('kids' in n && (n.kids.length || n.more)) {
        const d = el('details');
        const summary = el('summary');
        treeLine(summary, n);
        d.appendChild(summary);
        const kids: TreeLine[] = n.kids.slice();
        if (n.more) kids.push({ type: 'more', name: n.more });
        d.appendChild(treeList(kids));
        li.appendChild(d);
      } else treeLine(li, n);
      ul.appendChild(li);
    }
    return ul;
  }

  function item(b: ItemBlock): HTMLElement {
    const box = el('article', b.badge ? 'item is-suspect' : 'item');
    const h = el('h3');
    if (b.badge) h.appendChild(el('span', 'badge', b.badge));
    put(h, b.title);
    box.appendChild(h);
    if (b.facts.length) {
      const facts = el('ul', 'facts');
      for (const f of b.facts) facts.appendChild(el('li', null, f));
      box.appendChild(facts);
    }
    if (b.paths.length) {
      if (b.pathsTitle) box.appendChild(el('h4', null, b.pathsTitle));
      const list = el('ul', 'holders');
      for (const p of b.paths) list.appendChild(holder(p));
      box.appendChild(list);
    }
    if (b.tree) {
      box.appendChild(el('h4', null, b.tree.title));
      if (b.tree.nodes.length) box.appendChild(treeList(b.tree.nodes));
    }
    if (b.stacks.length) {
      box.appendChild(el('h4', null, 'Allocation stacks'));
      const stacks = el('ul', 'stacks');
      for (const s of b.stacks) stacks.appendChild(el('li', 'mono', s));
      box.appendChild(stacks);
    }
    return box;
  }

  function block(b: Block): HTMLElement {
    switch (b.t) {
      case 'h': {
        const h = el(b.level === 2 ? 'h2' : 'h3', null, b.text);
        if (b.id) h.id = b.id;
        return h;
      }
      case 'p':
        return el('p', b.cls || null, b.text);
      case 'pre':
        return el('pre', null, b.text);
      case 'list': {
        const ul = el('ul');
        for (const x of b.items) ul.appendChild(el('li', null, x));
        return ul;
      }
      case 'verdict': {
        const v = el('section', b.leak ? 'verdict leak' : 'verdict');
        v.setAttribute('aria-label', 'Summary');
        for (const line of b.lines) v.appendChild(el('p', null, line));
        return v;
      }
      case 'img': {
        const img = document.createElement('img');
        img.className = 'chart';
        img.alt = b.alt;
        img.src = b.src;
        return img;
      }
      case 'kv': {
        const dl = el('dl', 'env');
        for (const r of b.rows) {
          dl.appendChild(el('dt', null, r[0]));
          dl.appendChild(el('dd', null, r[1]));
        }
        return dl;
      }
      case 'table':
        return table(b);
      case 'item':
        return item(b);
      default:
        // A block kind this script does not know (an older page reading newer data).
        return el('p', 'dim', `unknown block ${String((b as { t: unknown }).t)}`);
    }
  }

  const root = document.getElementById('report')!;
  try {
    const data = JSON.parse(document.getElementById('leakscan-data')!.textContent || '') as Page;
    root.textContent = '';
    root.appendChild(el('h1', null, data.heading));
    if (data.subtitle) root.appendChild(el('p', 'dim', data.subtitle));
    if (data.redacted) root.appendChild(el('p', 'notice', data.redacted));
    for (const b of data.blocks) root.appendChild(block(b));
    if (data.footer) root.appendChild(el('footer', null, data.footer));
    // For the benchmark and tests: the script's own time, and the time since navigation started.
    document.documentElement.setAttribute('data-render-ms', String(Math.round(performance.now() - started)));
    document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  } catch (err) {
    root.appendChild(el('pre', null, `This report could not be shown: ${err instanceof Error ? err.message : err}`));
    throw err;
  }
})();
