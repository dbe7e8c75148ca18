import { inject } from 'vitest';

/** Region every integration test uses; moto accepts any. */
export const TEST_REGION = 'us-east-1';

/** The URL of the moto_server the integration global setup started. */
export const motoEndpoint = (): string => inject('motoEndpoint');

/** Client config for the adapters' client factories, pointed at moto with no retries. */
export const motoClientConfig = () =>
  ({ region: TEST_REGION, endpoint: motoEndpoint(), maxAttempts: 1 }) as const;

/** Wipes every resource moto holds, so each test file (or test) starts from nothing. */
export const resetMoto = async (): Promise<void> => {
  const response = await fetch(`${motoEndpoint()}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status} ${await response.text()}`);
};
