/**
 * Pages of the web demo in Chromium, and what the tests read from them. Each page gets a browser
 * context of its own (its own cookies, cache and connections), like a separate visitor.
 */
import type { Browser, Page } from 'playwright-core';

/** Opens the demo at `url` as `name` and waits until its stream is open. */
export async function openPage(browser: Browser, url: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page ${name}] ${error.message}`));
  await page.goto(`${url}?name=${encodeURIComponent(name)}`);
  await page.waitForSelector('#stream[data-state="open"]', { timeout: 15_000 });
  return page;
}

/** Texts of the chat lines of a page. */
export const chatLines = (page: Page): Promise<string[]> =>
  page.locator('#chat li').allTextContents();

/** Waits until `page`'s chat has a line containing `text`; rejects after `timeout` ms. */
export async function waitForChat(page: Page, text: string, timeout: number): Promise<void> {
  await page.locator('#chat li', { hasText: text }).first().waitFor({ timeout });
}

/** Waits until `page`'s counter shows `value`; rejects after `timeout` ms. */
export async function waitForCounter(page: Page, value: number, timeout: number): Promise<void> {
  await page
    .locator('#counter')
    .filter({ hasText: new RegExp(`^${value}$`) })
    .waitFor({ timeout });
}

/** Posts `text` in the lobby from `page`, as a person would. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#chat-text', text);
  await page.press('#chat-text', 'Enter');
}

/** The names `page` lists as online, with their instances (`alice: web-1`). */
export async function online(page: Page): Promise<string[]> {
  const items = await page.locator('#presence li').all();
  return Promise.all(
    items.map(
      async (item) =>
        `${await item.getAttribute('data-name')}: ${await item.getAttribute('data-instances')}`,
    ),
  );
}

/** The rejections of `reason` the operations panel of `page` counts (0 when none). */
export async function rejectedCount(page: Page, reason: string): Promise<number> {
  const item = page.locator(`#rejections li[data-reason="${reason}"]`);
  return (await item.count()) === 0 ? 0 : Number(await item.getAttribute('data-count'));
}
