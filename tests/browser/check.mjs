// Drives Debian's Chromium (headless, through playwright-core) over a tamizdat library:
//
//   node check.mjs LIBRARY_DIR SERVER_URL ARTIFACTS_DIR
//
// For the library opened from disk (file://) and served by `tamizdat serve` (SERVER_URL), it
// loads every page and checks that each loads, every image renders (naturalWidth > 0), the
// right-to-left article lays out right to left, the hostile article runs nothing, and that
// the browser attempts no request outside file:// and the server. It writes screenshots of the
// front page, an English and a right-to-left article at 360 and 1280 pixels wide. Prints one
// line per check; exits 1 if any failed.
import { chromium } from 'playwright-core';
import { readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const [library, serverUrl, artifacts] = process.argv.slice(2);
if (!library || !serverUrl || !artifacts) {
  console.error('usage: node check.mjs LIBRARY_DIR SERVER_URL ARTIFACTS_DIR');
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

function pagesUnder(folder) {
  const found = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) found.push(...pagesUnder(path));
    else if (name.endsWith('.html')) found.push(path);
  }
  return found;
}
const pages = [join(library, 'index.html'), ...pagesUnder(join(library, 'read'))];
// The id of an edition added with `open --salvage` from a damaged copy, if the test made one.
const incompleteEdition = process.argv[5] || '';
const server = new URL(serverUrl);

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-default-apps', '--disable-domain-reliability',
  ],
});

// Every request the browser attempts, with the page that caused it.
const outside = [];
function isLocal(url) {
  // file:///path only: file://host/... is a network share.
  if (url.startsWith('file:///') || url.startsWith('data:') || url === 'about:blank') return true;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && parsed.host === server.host;
  } catch {
    return false;
  }
}

async function visit(context, url, name) {
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  page.on('request', (request) => {
    if (!isLocal(request.url())) outside.push(`${name}: ${request.url()}`);
  });
  const response = await page.goto(url, { waitUntil: 'load' });
  // Give refreshes, lazy loads and timers a moment to try.
  await page.waitForTimeout(300);
  const loaded = response === null ? url.startsWith('file:') : response.ok();
  check(loaded, `${name} loads${response ? ` (HTTP ${response.status()})` : ''}`);
  const images = await page.$$eval('img', (all) => all.map((img) => ({
    src: img.getAttribute('src'), width: img.naturalWidth, complete: img.complete,
  })));
  // The hostile article's broken image is broken on purpose (its onerror handler must not run).
  for (const image of name.includes('hostile/') ? [] : images) {
    check(image.complete && image.width > 0, `${name}: image ${image.src} renders (naturalWidth ${image.width})`);
  }
  // A placeholder for a picture not in the edition reads left to right on every page, its
  // opening bracket before its closing one (on a right-to-left page they were mirrored).
  const placeholders = await page.$$eval('.missing-image', (all) => all.map((span) => {
    const text = span.firstChild;
    const last = span.lastChild;
    const at = (node, offset) => {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      return range.getBoundingClientRect();
    };
    const open = at(text, 0);
    const close = at(last, last.textContent.length - 1);
    return {
      text: span.textContent,
      direction: getComputedStyle(span).direction,
      // On one line, "[" is left of "]"; wrapped, "]" is on a later line.
      ordered: text.textContent[0] === '[' && last.textContent.endsWith(']')
        && (Math.abs(open.top - close.top) < 2 ? open.left < close.left : close.top > open.top),
    };
  }));
  for (const placeholder of placeholders) {
    check(placeholder.direction === 'ltr' && placeholder.ordered, `${name}: placeholder "${placeholder.text}" reads left to right (direction ${placeholder.direction})`);
  }
  if (name.includes('fa-remote.html')) {
    check(placeholders.length === 1, `${name}: has its placeholder (${placeholders.length})`);
  }
  const pwned = await page.evaluate(() => window.tamizdatPwned);
  check(pwned === undefined, `${name}: nothing ran${pwned ? ` (but: ${pwned})` : ''}`);
  check(dialogs.length === 0, `${name}: no dialog opened`);
  return page;
}

for (const [mode, toUrl] of [
  ['file', (path) => pathToFileURL(path).href],
  ['served', (path) => new URL(relative(library, path).split(sep).map(encodeURIComponent).join('/'), serverUrl).href],
]) {
  for (const width of [360, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, serviceWorkers: 'block' });
    for (const path of pages) {
      const name = `[${mode} ${width}px] ${relative(library, path)}`;
      const page = await visit(context, toUrl(path), name);
      const rel = relative(library, path);
      if (rel === 'index.html') {
        // A bundle refused at the last open is explained on the page a double-click opens.
        const refused = await page.evaluate(() => {
          const section = document.querySelector('section.refused');
          if (!section || !section.checkVisibility()) return null;
          const text = section.innerText;
          const fingerprint = section.querySelector('.fingerprint-to-compare code');
          return { text, fingerprint: fingerprint ? fingerprint.innerText : null };
        });
        const shown = refused !== null && refused.text.includes('Not added at your last open')
          && refused.text.includes('tamizdat trust add') && refused.fingerprint;
        check(shown, `${name}: front page shows the untrusted signer and fingerprint ${refused && refused.fingerprint}`);
      }
      if (rel.includes(incompleteEdition)) {
        // Every page of an edition salvaged from a damaged copy says so, visibly, and a lost
        // picture is named in its place, never drawn.
        const incomplete = await page.evaluate(() => {
          const box = document.querySelector('section.incomplete');
          return {
            shown: box !== null && box.checkVisibility() && box.innerText.includes('Incomplete'),
            lostPictures: [...document.querySelectorAll('.missing-image')]
              .filter((span) => span.checkVisibility() && span.innerText.includes('missing from this incomplete copy')).length,
            images: document.querySelectorAll('.article-body img').length,
          };
        });
        check(incomplete.shown, `${name}: shows its edition as incomplete`);
        if (incomplete.lostPictures > 0) {
          check(incomplete.images === 0, `${name}: names its lost picture and draws none (${incomplete.images} drawn)`);
        }
      }
      if (rel === 'index.html' && incompleteEdition) {
        const card = await page.evaluate(() => {
          const mark = document.querySelector('.card .incomplete');
          return mark !== null && mark.checkVisibility() && mark.innerText.includes('missing from this copy');
        });
        check(card, `${name}: the front page marks the incomplete edition`);
      }
      if (rel.endsWith('fa/nanvayi.html.html')) {
        const direction = await page.evaluate(() => ({
          dir: document.documentElement.dir,
          computed: getComputedStyle(document.querySelector('.article-body')).direction,
          // The first paragraph's text starts at the right edge of its box.
          alignedRight: (() => {
            const p = document.querySelector('.article-body p');
            const range = document.createRange();
            range.selectNodeContents(p);
            const text = range.getClientRects()[0];
            const box = p.getBoundingClientRect();
            return Math.abs(text.right - box.right) < 2;
          })(),
        }));
        check(direction.dir === 'rtl' && direction.computed === 'rtl', `${name}: lays out right to left (dir ${direction.dir}, direction ${direction.computed})`);
        check(direction.alignedRight, `${name}: its text starts at the right edge`);
      }
      if (rel.includes('hostile/')) {
        // Follow every link of the hostile pages too: a link is one tap away on a phone.
        const links = await page.$$eval('a[href]', (all) => all.map((a) => a.getAttribute('href')));
        for (const [index, href] of links.entries()) {
          const target = await context.newPage();
          target.on('request', (request) => {
            if (!isLocal(request.url())) outside.push(`${name} -> link ${href}: ${request.url()}`);
          });
          await target.goto(toUrl(path), { waitUntil: 'load' });
          await target.locator('a[href]').nth(index).click({ noWaitAfter: true }).catch(() => {});
          await target.waitForTimeout(400);
          const pwned = await target.evaluate(() => window.tamizdatPwned).catch(() => undefined);
          check(pwned === undefined, `${name}: following link ${href} runs nothing`);
          await target.close();
        }
        check(links.length >= 2, `${name}: its links were followed (${links.length})`);
      }
      if (mode === 'file') {
        const shot = rel === 'index.html' ? 'front-page'
          : rel.endsWith('en/river-cleanup.md.html') ? 'english-article'
          : rel.endsWith('fa/nanvayi.html.html') ? 'persian-article' : null;
        if (shot) {
          await page.screenshot({ path: join(artifacts, `${shot}-${width}.png`), fullPage: true });
        }
      }
      await page.close();
    }
    await context.close();
  }
}
// The control: the hostile article's raw file, opened directly from disk, is what the checks
// above would have met without the library. The harness must see its script run and its
// requests leave, or its zero counts above prove nothing.
{
  const raw = pagesUnder(join(library, 'editions')).find((path) => path.endsWith(join('hostile', 'article.html')));
  check(raw !== undefined, 'control: the raw hostile article is in the library');
  if (raw) {
    const before = outside.length;
    const context = await browser.newContext();
    // Answered "204 No Content" at once: a navigation (its refresh) to such an answer leaves the
    // document being examined in place.
    await context.route((url) => !isLocal(url.href), (route) => route.fulfill({ status: 204 }));
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!isLocal(request.url())) outside.push(`control: ${request.url()}`);
    });
    await page.goto(pathToFileURL(raw).href, { waitUntil: 'load' }).catch(() => {});
    await page.waitForTimeout(300);
    const pwned = await page.evaluate(() => window.tamizdatPwned).catch(() => 'navigated away');
    const attempted = outside.length - before;
    outside.length = before;
    check(pwned !== undefined, `control: the raw article's script runs when opened outside the library (${pwned})`);
    check(attempted > 0, `control: the raw article's requests are seen (${attempted} attempted)`);
    await context.close();
  }
}
await browser.close();

check(outside.length === 0, `no request outside file:// and ${server.host} (${outside.length} attempted)`);
for (const request of outside.slice(0, 20)) console.log(`     ${request}`);
console.log(`${pages.length} pages, ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
