// @memlab/api depends on puppeteer; leakscan never launches a browser, and the
// Chrome download in puppeteer's install script fails offline.
module.exports = { skipDownload: true };
