import type { MqcConfig } from '@mqc/config';
import type { SecretBox } from '@mqc/domain';
import type { Logger } from '@mqc/observability';
import type { ChangeBus } from '@mqc/queue';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { ServingWatch } from './serving-watch';

/** What every job is built with. */
export interface JobContext {
  config: MqcConfig;
  dataSource: DataSource;
  changes: ChangeBus;
  secrets: SecretBox;
  logger: Logger;
  /** Where the brokers keep instances' metrics and event logs (issue 15), forgotten on deletion. */
  redis?: Redis;
  /** The worker's one watch on instances being served (provisioning jobs wait on it together); a job without it makes its own. */
  serving?: ServingWatch;
}

/** A failure that retrying cannot mend: the job fails at once with this reason. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}
