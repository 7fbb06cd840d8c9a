// Loads one page of a library served by `tamizdat serve` again and again in Debian's Chromium,
// each time in a fresh browser context (its own connections), and checks that every load
// finishes in time with every image rendered, and that nothing is requested from anywhere but
// the server:
//
//   node many_images.mjs PAGE_URL LOADS IMAGES
//
// A server that queues a browser's new connections behind its idle keep-alive ones leaves such
// a page unfinished. Prints one line per load; exits 1 if any failed.
import { chromium } from 'playwright-core';

const [pageUrl, loadsArgument, imagesArgument] = process.argv.slice(2);
if (!pageUrl || !loadsArgument || !imagesArgument) {
  console.error('usage: node many_images.mjs PAGE_URL LOADS IMAGES');
  process.exit(2);
}
const loads = Number(loadsArgument);
const expectedImages = Number(imagesArgument);
const server = new URL(pageUrl);
// Each load must finish well before this; a stalled connection never would.
const deadline = 15_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-default-apps', '--disable-domain-reliability',
  ],
});

let failures = 0;
const outside = [];
for (let load = 1; load <= loads; load += 1) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'http:' || url.host !== server.host) outside.push(request.url());
  });
  const started = Date.now();
  let verdict;
  try {
    const response = await page.goto(pageUrl, { waitUntil: 'load', timeout: deadline });
    const images = await page.$$eval('img', (all) => all.map((img) => img.complete && img.naturalWidth > 0));
    const rendered = images.filter(Boolean).length;
    const ok = response.ok() && images.length === expectedImages && rendered === expectedImages;
    verdict = `${ok ? 'ok  ' : 'FAIL'} load ${load}: HTTP ${response.status()}, ${rendered} of ${images.length} images rendered (${expectedImages} expected) in ${Date.now() - started} ms`;
    if (!ok) failures += 1;
  } catch (error) {
    verdict = `FAIL load ${load}: not finished after ${Date.now() - started} ms (${error.message.split('\n')[0]})`;
    failures += 1;
  }
  console.log(verdict);
  await context.close();
}
await browser.close();
if (outside.length > 0) failures += 1;
console.log(`${outside.length === 0 ? 'ok  ' : 'FAIL'} no request outside ${server.host} (${outside.length} attempted)`);
for (const request of outside.slice(0, 20)) console.log(`     ${request}`);
console.log(`${loads} loads, ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
