// A page scenario (see docs/page-scenarios.md): opens and closes a dialog on a
// page that keeps every closed dialog in an array. Each round leaves one
// detached dialog (a DialogView and its <div>, <ul>, 20 <li> and buttons):
// a leak. Runs only when Chrome or Chromium is installed.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { definePageScenario } from '../src/page-scenario.js';

/** Beside this file when run from source; in the package's scenarios/ folder when run compiled from dist/. */
function pageFile(): string {
  for (const relative of ['./detached-dialogs.html', '../../scenarios/detached-dialogs.html']) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error('detached-dialogs.html is missing from the scenarios folder');
}

export default definePageScenario({
  name: 'detached-dialogs',
  description: 'opens and closes a dialog; the page keeps each closed dialog in an array: detached DOM, a leak',
  expect: 'leak',
  url: () => pathToFileURL(pageFile()).href,
  async action(page) {
    await page.click('#open');
    await page.waitForSelector('.dialog');
  },
  async back(page) {
    await page.click('.dialog .close');
    await page.waitForSelector('.dialog', { hidden: true });
  },
});
