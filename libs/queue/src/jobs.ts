/** Every queue of MQC, in one place. */
export enum QueueName {
  Instances = 'instances',
  Certificates = 'certificates',
  /** Fail-over of dead broker nodes' instances: its own queue, never behind a provisioning job waiting on a node. */
  Nodes = 'nodes',
}

/** Job names and their payloads: producers and processors share these types. */
export interface JobPayloads {
  'provision-instance': { instanceId: string };
  'deprovision-instance': { instanceId: string };
  /** SPEC 4.2: issue the device certificates a certificate_jobs row asks for (the row holds the request). */
  'issue-device-certificates': { certificateJobId: string };
  /** Re-issues instance server certificates that expire soon (repeated by a job scheduler). */
  'renew-server-certificates': { renewWithinDays?: number };
  /** Places the instances of dead broker nodes on live ones (repeated every second by a job scheduler). */
  'fail-over-instances': Record<string, never>;
}
export type JobName = keyof JobPayloads;

export const QUEUE_OF_JOB: Readonly<Record<JobName, QueueName>> = {
  'provision-instance': QueueName.Instances,
  'deprovision-instance': QueueName.Instances,
  'issue-device-certificates': QueueName.Certificates,
  'renew-server-certificates': QueueName.Instances,
  'fail-over-instances': QueueName.Nodes,
};
