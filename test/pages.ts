// Pages written for the browser tests: a plain one and a React one, each with
// a fixed twin (`?fixed`), served by page-fixture.ts.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** A file of a package's UMD build (react's exports map leaves umd/ out: resolve the package, then the path). */
const umd = (pkg: string, file: string): string => join(dirname(require.resolve(`${pkg}/package.json`)), 'umd', file);
/** Dialogs and tooltips opened and closed per action. */
export const CYCLES = 60;

/**
 * A plain page: each dialog (six elements) and each tooltip is added, then
 * removed. The leaky page keeps the closed dialogs in an array (and their
 * timers running) and never removes the tooltips' scroll listeners, whose
 * closures keep the tooltips; `?fixed` cleans up.
 */
export const PLAIN_PAGE = {
  '/': '<!doctype html><html><body><main id="app"></main><script src="/app.js"></script></body></html>',
  '/app.js': `
const fixed = location.search.includes('fixed');
window.closedDialogs = [];
function openDialog(i) {
  const dialog = document.createElement('div');
  dialog.className = 'dialog';
  dialog.setAttribute('aria-labelledby', 'title-' + i);
  dialog.innerHTML = '<h2 id="title-' + i + '">Dialog ' + i + '</h2><ul><li data-value="a-' + i + '">A</li>' +
    '<li data-value="b-' + i + '">B</li></ul><button type="button">Close</button>';
  document.getElementById('app').appendChild(dialog);
  const timer = setInterval(function tick() { dialog.dataset.tick = String(Date.now()); }, 600000);
  return function close() {
    dialog.remove();
    if (fixed) clearInterval(timer);
    else closedDialogs.push(dialog);
  };
}
function showTooltip(i) {
  const tip = document.createElement('aside');
  tip.className = 'tooltip tip-' + i;
  tip.textContent = 'Tip ' + i;
  document.body.appendChild(tip);
  function onScroll() { tip.style.top = scrollY + 'px'; }
  window.addEventListener('scroll', onScroll);
  return function hide() {
    tip.remove();
    if (fixed) window.removeEventListener('scroll', onScroll);
  };
}
window.cycle = function (n) {
  for (let i = 0; i < n; i++) { openDialog(i)(); showTooltip(i)(); }
};
`,
};

/**
 * A React 18 page (the UMD builds from node_modules): a list of rows mounted
 * and unmounted; each row subscribes to a store with the element in its
 * closure and, on the leaky page, never unsubscribes (no effect cleanup).
 */
export const REACT_PAGE = {
  '/': `<!doctype html><html><body><div id="root"></div>
<script src="/react.js"></script><script src="/react-dom.js"></script><script src="/rows.js"></script></body></html>`,
  '/react.js': { file: umd('react', 'react.production.min.js') },
  '/react-dom.js': { file: umd('react-dom', 'react-dom.production.min.js') },
  '/rows.js': `
const fixed = location.search.includes('fixed');
const h = React.createElement;
const store = {
  state: 0,
  listeners: new Set(),
  subscribe(listener) { this.listeners.add(listener); return () => this.listeners.delete(listener); },
};
window.store = store;
function Row({ i }) {
  const ref = React.useRef(null);
  React.useEffect(() => {
    const element = ref.current;
    const unsubscribe = store.subscribe(function onStoreChange() { element.textContent = 'row ' + i + ': ' + store.state; });
    return fixed ? unsubscribe : undefined;
  }, []);
  return h('li', { ref, className: 'row', 'data-row': String(i) }, 'row ' + i);
}
function App() {
  const [shown, setShown] = React.useState(false);
  window.setShown = setShown;
  return shown ? h('ul', { className: 'rows' }, Array.from({ length: 20 }, (_, i) => h(Row, { key: i, i }))) : null;
}
const root = ReactDOM.createRoot(document.getElementById('root'));
ReactDOM.flushSync(() => root.render(h(App)));
window.cycle = function (n) {
  for (let k = 0; k < n; k++) {
    ReactDOM.flushSync(() => window.setShown(true));
    ReactDOM.flushSync(() => window.setShown(false));
  }
};
`,
};
