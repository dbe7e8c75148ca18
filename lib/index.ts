/**
 * The package's `quartermaster/cdk` entry: the construct for a stack of your own, the stack the
 * bundled app deploys, and the types their props are made of (docs/deploy.md).
 */
export type { HandlerName } from './bundle-settings.js';
export { FEATURE_FLAGS } from './feature-flags.js';
export { EC2_EVENT_DETAIL_TYPES, Quartermaster } from './quartermaster.js';
export type {
  BillExportConfig,
  BudgetGuardConfig,
  BudgetGuardPolicy,
  CommitmentsConfig,
  QuartermasterProps,
  QuotaConfig,
  QuotasConfig,
  SchedulesConfig,
  TeamConfig,
  WorkerConfig,
  WorkerLaunchTemplate,
} from './quartermaster-props.js';
export { QuartermasterStack, type QuartermasterStackProps } from './quartermaster-stack.js';
export { QuartermasterConfigError, type ResolvedConfig } from './resolve-props.js';
