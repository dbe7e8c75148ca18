import { defineConfig } from 'vitest/config';

/**
 * Projects split tests by what they need: `unit` is pure and never starts moto; `integration`
 * shares one moto_server (started in global setup) and runs its files one at a time, because a
 * `POST /moto-api/reset` in one file would wipe resources another file is using.
 * `npm test` (`vitest run`) runs every project.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/moto-global-setup.ts'],
          fileParallelism: false,
          // Fake credentials for the SDK's default provider chain; set in test workers only.
          env: {
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_SESSION_TOKEN: 'testing',
            AWS_REGION: 'us-east-1',
            AWS_DEFAULT_REGION: 'us-east-1',
            AWS_MAX_ATTEMPTS: '1',
          },
        },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] },
      },
    ],
  },
});
