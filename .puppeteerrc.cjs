// For this repo's own install only (it is not in the package): the dev
// dependencies @memlab/api and @memlab/cli depend on puppeteer; leakscan never
// launches a browser, and the Chrome download in puppeteer's install script
// fails offline.
module.exports = { skipDownload: true };
