/**
 * The per-render limits hold for every tag: what a template writes is charged to the memory limit,
 * inside {% capture %} too, so no tag builds a body past 10 MB. Timed here, so the bound is also fast.
 */
import { prepareCampaign } from '../../src/campaign/prepare.js';
import { writeCampaign } from '../helpers/cli.js';

const doubling = (times: number) =>
  `{% capture a %}${'x'.repeat(64)}{% endcapture %}${'{% capture a %}{{ a }}{{ a }}{% endcapture %}'.repeat(times)}{{ a | size }}`;

async function templates(text: string, csv = 'email,name\nann@example.com,Ann\n') {
  const { file } = await writeCampaign({ fields: { text: 'body.txt' }, files: { 'body.txt': text }, csv });
  return (await prepareCampaign(file)).templates;
}

describe('render limits', () => {
  test('{% capture %} doubling to 64 MB in a text template: stopped by the memory limit, within a second', async () => {
    const prepared = await templates(doubling(20));
    const started = performance.now();
    expect(() => prepared.render({ email: 'ann@example.com', name: 'Ann' })).toThrow('body.txt: memory alloc limit exceeded');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('a loop printing a long CSV value 1,000 times (500 MB): stopped by the memory limit', async () => {
    const prepared = await templates('{% for i in (1..1000) %}{{ name }}{% endfor %}');
    const started = performance.now();
    expect(() => prepared.render({ email: 'ann@example.com', name: 'n'.repeat(500_000) })).toThrow('memory alloc limit exceeded');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('{% assign %} with append doubling: stopped too (LiquidJS charges the filter)', async () => {
    const prepared = await templates(`{% assign s = name %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}`);
    expect(() => prepared.render({ email: 'ann@example.com', name: 'Ann' })).toThrow('memory alloc limit exceeded');
  });

  test('below the limit, capture and loops render as before', async () => {
    const prepared = await templates(`${doubling(10)} {% for i in (1..3) %}{{ name }}{% endfor %}`);
    expect(prepared.render({ email: 'ann@example.com', name: 'Ann' }).text).toBe(`${64 * 1024} AnnAnnAnn`);
  });
});
