import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` inside the Lambda bundles only (an esbuild
 * alias in lib/bundle-settings.ts `BUNDLE_ALIASES`). The Lambda runtime always passes the
 * function role's credentials as `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
 * `AWS_SESSION_TOKEN`, and the default chain tries those first, so in a function the chain never
 * got past them; the rest of it (SSO, STS web identity, ini files, process, container and IMDS
 * providers) only added ~130 KB of code to every bundle (its import cost is within noise)
 * (docs/adr/0008-infrastructure.md). Same name and signature as the package's export, so each
 * SDK client's `runtimeConfig` uses it unchanged.
 *
 * @returns a provider that throws `CredentialsProviderError` ("Unable to find environment
 *   variable credentials.") when the variables are missing
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): ReturnType<typeof fromEnv> =>
  fromEnv(init);
