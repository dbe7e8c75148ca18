import { describe, expect, it } from 'vitest';
import { motoEndpoint, resetMoto } from '../support/moto.js';

describe('moto harness', () => {
  it('provides a loopback endpoint that answers and can be reset', async () => {
    expect(motoEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(resetMoto()).resolves.toBeUndefined();
  });

  it('gives test workers fake credentials only', () => {
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('testing');
  });
});
