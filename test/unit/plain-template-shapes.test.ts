/**
 * Every campaign shape the shapes test generates renders the same text with the plain path (plain-template.ts)
 * as with LiquidJS alone: the campaign's modules are loaded a second time with the plain path switched off.
 */
import { jest } from '@jest/globals';
import { prepareCampaign, recipientsOf } from '../../src/campaign/prepare.js';
import { isRecipient } from '../../src/campaign/recipients.js';
import { campaignOf, describeShape, shapes } from '../helpers/shapes.js';

type Prepare = typeof prepareCampaign;

async function liquidOnly(): Promise<Prepare> {
  let prepare: Prepare | undefined;
  await jest.isolateModulesAsync(async () => {
    jest.unstable_mockModule('../../src/campaign/plain-template.js', () => ({ plainRenderer: () => undefined }));
    prepare = (await import('../../src/campaign/prepare.js')).prepareCampaign;
  });
  return prepare!;
}

describe('the plain path renders every shape as LiquidJS does', () => {
  let prepareWithLiquidOnly: Prepare;
  beforeAll(async () => {
    prepareWithLiquidOnly = await liquidOnly();
  });

  test.each(shapes().map((shape) => [describeShape(shape), shape] as const))('%s', async (_label, shape) => {
    const { file } = await campaignOf(shape);
    const [plain, liquid] = await Promise.all([prepareCampaign(file), prepareWithLiquidOnly(file)]);
    let compared = 0;
    for await (const row of recipientsOf(plain)) {
      if (!isRecipient(row)) continue;
      expect(plain.templates.render(row.fields)).toEqual(liquid.templates.render(row.fields));
      compared++;
    }
    expect(compared).toBe(3);
  });
});
