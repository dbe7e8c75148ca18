/**
 * The package's `quartermaster/producer` entry: the typed client producer services send job
 * requests, completions and cancellations with, and the types its callers name.
 */
export type { FieldIssue, JobRequest, JobRequestInput } from '../core/jobs/job-request.js';
export type { AwsClientConfig } from './aws-client-config.js';
export {
  ProducerClient,
  type ProducerClientOptions,
  type ProducerQueueUrls,
  resolveProducerQueueUrls,
  type SendReport,
} from './producer-client.js';
