/** Every queue of MQC, in one place. */
export enum QueueName {
  Instances = 'instances',
  Certificates = 'certificates',
}

/** Job names and their payloads: producers and processors share these types. */
export interface JobPayloads {
  'provision-instance': { instanceId: string };
  'deprovision-instance': { instanceId: string };
}
export type JobName = keyof JobPayloads;

export const QUEUE_OF_JOB: Readonly<Record<JobName, QueueName>> = {
  'provision-instance': QueueName.Instances,
  'deprovision-instance': QueueName.Instances,
};
