import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, createHarness, OMADAC_ID, type Harness } from './helpers.js';

describe('GET /api/info', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('answers the controller identity without a token', async () => {
    const response = await h.call({ method: 'GET', url: '/api/info' });
    expect(answer(response)).toEqual({
      status: 200,
      body: {
        errorCode: 0,
        msg: 'Success.',
        result: { controllerVer: '5.15.0', apiVer: '3', configured: true, type: 1, omadacId: OMADAC_ID },
      },
    });
  });

  it('answers a URL it cannot even decode with the 400 envelope', async () => {
    const response = await h.call({ method: 'GET', url: '/openapi/%zz' });
    expect(answer(response)).toEqual({
      status: 400,
      body: { errorCode: -1001, msg: 'Invalid request parameters. The request URL is malformed.' },
    });
  });
});
