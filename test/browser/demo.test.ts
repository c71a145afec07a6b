/**
 * The web demo in a real browser (Debian's Chromium through playwright-core): three instance
 * processes on Redis (support/demo.ts, short presence and health periods), pages on them as
 * separate visitors. What a person would see is what is asserted: counter and chat in step
 * across instances within a second, every chat line marked with the key that verified it and its
 * trace id, refusals said on the page, forgeries never shown, a network cut answered by every
 * missed message or a gap, and a killed instance gone from presence within the down period.
 *
 * `UPDATE_SCREENSHOTS=1` also writes the screenshots of docs/images/ (CI leaves them alone).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type TcpProxy } from '../support/proxy.js';
import { requireRedis } from '../support/services.js';
import { launchChromium, requireChromium } from './support/chromium.js';
import { LOST_WITHIN_MS, startTestDemo, type TestDemo } from './support/demo.js';
import {
  chatLines,
  online,
  openPage,
  rejectedCount,
  say,
  waitForChat,
  waitForCounter,
} from './support/pages.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const chromiumOk = requireChromium();
const redis = await requireRedis();
const screenshots = process.env.UPDATE_SCREENSHOTS === '1';

describe.runIf(chromiumOk && redis.ok)('the web demo in Chromium', () => {
  let demo: TestDemo;
  let browser: Browser;
  let proxy: TcpProxy;
  let alice: Page; // on web-1, through a proxy the tests can cut
  let bob: Page; // on web-2
  let carol: Page; // on web-3, which is killed at the end
  const url = (i: number): string => demo.instances[i]!.url;

  beforeAll(async () => {
    if (!redis.ok) return;
    [demo, browser] = await Promise.all([startTestDemo(redis.url), launchChromium()]);
    proxy = await startProxy(Number(new URL(url(0)).port));
    [alice, bob, carol] = await Promise.all([
      openPage(browser, `http://127.0.0.1:${proxy.port}/`, 'alice'),
      openPage(browser, url(1), 'bob'),
      openPage(browser, url(2), 'carol'),
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await demo?.stop();
  });

  const failWithOutput = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      console.error(`instance output:\n${demo.output.join('\n')}`);
      throw error;
    }
  };

  it('shows who is online on which instance', async () => {
    await bob.locator('#presence li').nth(2).waitFor({ timeout: 10_000 });
    expect(await online(bob)).toEqual(['alice: web-1', 'bob: web-2', 'carol: web-3']);
  });

  it("two pages on two instances see each other's counter and chat within 1 s", async () => {
    await failWithOutput(async () => {
      const before = Number(await bob.textContent('#counter'));
      await alice.click('#increment');
      await waitForCounter(bob, before + 1, 1000);
      await bob.click('#increment');
      await waitForCounter(alice, before + 2, 1000);
      await say(alice, 'hello from alice on web-1');
      await waitForChat(bob, 'hello from alice on web-1', 1000);
      await say(bob, 'hi alice, bob on web-2 here');
      await waitForChat(alice, 'hi alice, bob on web-2 here', 1000);
    });
  });

  it('marks each chat line with the key that verified it and its trace id', async () => {
    const line = bob.locator('#chat li', { hasText: 'hello from alice on web-1' });
    expect(await line.getAttribute('data-kid')).toBe('demo-test');
    expect(await line.getAttribute('data-trace')).toMatch(/^[0-9a-f]{32}$/);
    expect(await line.textContent()).toContain('via web-1 · verified with key demo-test · trace');
    // On its own instance a message never left the process: nothing to verify.
    const own = alice.locator('#chat li', { hasText: 'hello from alice on web-1' });
    expect(await own.textContent()).toContain('from this instance');
    // The typed client validates every payload with the precompiled checks: none was dropped.
    for (const page of [alice, bob]) {
      expect(await page.locator('#stream-log li', { hasText: 'invalid' }).count()).toBe(0);
    }
  });

  it('refuses an unauthorized topic and says so on the page', async () => {
    await alice.fill('#topic', 'chat:staff');
    await alice.click('#topic-form button');
    const result = alice.locator('#topic-result');
    await result.and(alice.locator('[data-status="403"]')).waitFor({ timeout: 5000 });
    expect(await result.textContent()).toBe(
      'chat:staff: refused (403 forbidden): chat:staff is not open to anonymous pages in this demo',
    );
  });

  it('rejects a message the instance signs with a wrong key, and no page shows it', async () => {
    await bob.click('#forge');
    const result = bob.locator('#forge-result');
    await result.and(bob.locator('[data-reason]:not([data-reason=""])')).waitFor({ timeout: 5000 });
    expect(await result.getAttribute('data-reason')).toBe('bad_signature');
    expect(await result.textContent()).toContain('Delivered to handlers: 0');
    for (const page of [alice, bob, carol]) {
      expect((await chatLines(page)).filter((line) => line.includes('FORGED'))).toEqual([]);
    }
  });

  it('never shows a tampered message injected with redis-cli PUBLISH', async () => {
    const channel = `${demo.prefix}:chat:lobby`;
    const before = await rejectedCount(bob, 'bad_signature');
    const spy = new Redis(redis.url!);
    const captured = new Promise<string>((resolve) =>
      spy.on('message', (_c, data) => resolve(data)),
    );
    await spy.subscribe(channel);
    await say(bob, 'a message mallory captures');
    const original = await captured;
    await spy.quit();
    // Mallory changes one digit of the signed message (its publish time, herald/2 §3) and
    // publishes it.
    const at = original.indexOf(',', original.indexOf(' [[')) + 3;
    const flipped = `${original.slice(0, at)}${original[at] === '1' ? '2' : '1'}${original.slice(at + 1)}`;
    const { stdout } = await run('redis-cli', ['-u', redis.url!, 'PUBLISH', channel, flipped]);
    expect(Number(stdout.trim())).toBeGreaterThanOrEqual(3); // every instance heard it
    // The rejection counter of the operations panel moves (bus metrics of every instance).
    await bob
      .locator('#rejections li[data-reason="bad_signature"]')
      .filter({ hasNotText: `bad_signature: ${before}` })
      .waitFor({ timeout: 5000 });
    await say(bob, 'after the tampered one');
    for (const page of [alice, bob, carol]) await waitForChat(page, 'after the tampered one', 5000);
    for (const page of [alice, bob, carol]) {
      const lines = (await chatLines(page)).filter((line) =>
        line.includes('a message mallory captures'),
      );
      expect(lines).toHaveLength(1);
    }
  });

  it('gives a page back every message missed during a 5 s network cut, or a gap', async () => {
    await failWithOutput(async () => {
      proxy.refuse(true);
      proxy.reset();
      await alice.waitForSelector('#stream[data-state="reconnecting"]', { timeout: 5000 });
      const missed = ['during the cut 1', 'during the cut 2', 'during the cut 3'];
      for (const text of missed) await say(bob, text);
      // They were published: bob's own page (not cut) shows each one.
      for (const text of missed) await waitForChat(bob, text, 5000);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      proxy.refuse(false);
      await alice.waitForSelector('#stream[data-state="open"]', { timeout: 10_000 });
      await say(bob, 'after the cut');
      await waitForChat(alice, 'after the cut', 5000);
      const lines = await chatLines(alice);
      const gap = await alice.locator('#chat li[data-gap]').count();
      const got = missed.filter((text) => lines.some((line) => line.includes(text)));
      console.log(
        `after the cut: ${got.length} of ${missed.length} missed messages replayed, ${gap} gap(s)`,
      );
      expect(
        got.length === missed.length || gap > 0,
        `missed: ${missed.length - got.length}, gaps: ${gap}`,
      ).toBe(true);
      // Never duplicated either: each missed message at most once.
      for (const text of missed) {
        expect(lines.filter((line) => line.includes(text)).length).toBeLessThanOrEqual(1);
      }
    });
  }, 30_000);

  it('removes an instance killed with SIGKILL from presence and shows it lost within the down period', async () => {
    await failWithOutput(async () => {
      await bob.locator('#presence li[data-name="carol"]').waitFor({ timeout: 10_000 });
      await bob.locator('#presence li').nth(2).waitFor({ timeout: 10_000 });
      const killed = Date.now();
      demo.instances[2]!.proc.kill('SIGKILL');
      await bob
        .locator('#presence li[data-name="carol"]')
        .waitFor({ state: 'detached', timeout: LOST_WITHIN_MS });
      const left = Date.now() - killed;
      await bob
        .locator('#nodes tr[data-node="web-3"][data-status="lost"]')
        .waitFor({ timeout: Math.max(1, LOST_WITHIN_MS - left) });
      const shownLost = Date.now() - killed;
      await bob.locator('#alerts li[data-type="node.lost"]').waitFor({ timeout: 5000 });
      console.log(
        `web-3 killed: carol left presence after ${left} ms, web-3 shown lost after ${shownLost} ms`,
      );
      expect(await online(bob)).toEqual(['alice: web-1', 'bob: web-2']);
      expect(await bob.textContent('#cluster')).toBe('2 up, lost: web-3');
      expect(await bob.locator('#alerts li[data-type="node.lost"]').textContent()).toContain(
        'critical node.lost: web-3 stopped answering (lost)',
      );
    });
    if (screenshots) {
      await alice.screenshot({ path: join(root, 'docs/images/demo-web-1.png'), fullPage: true });
      await bob.screenshot({ path: join(root, 'docs/images/demo-web-2.png'), fullPage: true });
    }
  }, 30_000);
});
