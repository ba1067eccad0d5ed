import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { RestoredInstance } from '../protocol/durability';
import { AckedPublisher } from './acked-publisher';
import { InstanceStore, type StoreAccess } from './instance-store';
import { connectNats, type NatsConnection } from './nats-connection';
import { isStreamNotFound } from './read-stream';
import { StreamNames } from './stream-names';

export interface DurableStoreOptions {
  natsUrl: string;
  /** The deployment's prefix (MQC_REDIS_PREFIX): stream and subject names carry it. */
  prefix: string;
  /** Copies of each stream in a NATS cluster (MQC_NATS_REPLICAS): 1 on one server, 3 in production. */
  replicas: number;
  /** Connection name seen by the NATS server. */
  name: string;
}

/**
 * Issue 14: the broker node's durable store on NATS JetStream: one connection per node, three
 * streams per deployment (stream-names.ts), one InstanceStore per instance served here.
 * Created at start, which checks NATS and JetStream answer (a one-line error otherwise).
 */
export class DurableStore {
  private readonly access: StoreAccess;
  private streams: Promise<void> | undefined;
  private streamsReady = false;
  private readonly instances = new Set<InstanceStore>();
  private readonly publisher: AckedPublisher;

  private constructor(
    private readonly connection: NatsConnection,
    js: JetStreamClient,
    jsm: JetStreamManager,
    private readonly names: StreamNames,
    private readonly replicas: number,
    logger: Logger,
  ) {
    const isReady = (): boolean => this.streamsReady;
    this.publisher = new AckedPublisher(connection);
    this.access = {
      js,
      publisher: this.publisher,
      jsm,
      names,
      logger,
      ready: () => this.ensureStreams(),
      get streamsReady() {
        return isReady();
      },
    };
  }

  static async open(options: DurableStoreOptions, logger: Logger): Promise<DurableStore> {
    const connection = await connectNats(options.natsUrl, options.name);
    const jsm = await jetstreamManager(connection);
    return new DurableStore(connection, jetstream(connection), jsm, new StreamNames(options.prefix), options.replicas, logger);
  }

  /** The streams, created on the first write (a deployment that stores nothing creates nothing). */
  private ensureStreams(): Promise<void> {
    this.streams ??= this.createStreams().then(() => {
      this.streamsReady = true;
    }, (error: unknown) => {
      this.streams = undefined;
      throw error;
    });
    return this.streams;
  }

  private async createStreams(): Promise<void> {
    const { names } = this;
    const base: Partial<StreamConfig> = { retention: RetentionPolicy.Limits, storage: StorageType.File, num_replicas: this.replicas };
    await this.ensure({ ...base, name: names.sessions, subjects: [`${names.prefix}.session.>`], max_msgs_per_subject: 1 });
    await this.ensure({ ...base, name: names.retained, subjects: [`${names.prefix}.retained.>`], max_msgs_per_subject: 1 });
    await this.ensure({ ...base, name: names.queue, subjects: [`${names.prefix}.queue.>`] });
  }

  private async ensure(config: Partial<StreamConfig> & { name: string }): Promise<void> {
    try {
      await this.access.jsm.streams.info(config.name);
    } catch (error) {
      if (!isStreamNotFound(error)) throw error;
      await this.access.jsm.streams.add(config);
    }
  }

  /** The store of one instance, not loaded yet. */
  forInstance(instanceId: string): InstanceStore {
    const store = new InstanceStore(instanceId, this.access);
    this.instances.add(store);
    return store;
  }

  /**
   * What a node needs before it serves an instance (its own after a restart, or another
   * node's after a failover): the instance's store, loaded, and what it holds.
   */
  async loadInstanceState(instanceId: string): Promise<{ store: InstanceStore; state: RestoredInstance }> {
    const store = this.forInstance(instanceId);
    try {
      return { store, state: await store.load() };
    } catch (error) {
      this.instances.delete(store);
      throw error;
    }
  }

  /** An instance stops being served here: its writes finish (a moved instance is read by its next node). */
  async closeInstance(store: InstanceStore): Promise<void> {
    await store.drain();
    this.instances.delete(store);
  }

  /** Everything stored for an instance (a deleted instance). */
  async purgeInstance(instanceId: string): Promise<void> {
    const { jsm } = this.access;
    for (const [stream, kind] of [
      [this.names.sessions, 'session'],
      [this.names.retained, 'retained'],
      [this.names.queue, 'queue'],
    ] as const) {
      await jsm.streams.purge(stream, { filter: this.names.ofInstance(kind, instanceId) }).catch((error: unknown) => {
        if (!isStreamNotFound(error)) throw error;
      });
    }
  }

  /** Deletes the deployment's streams (tests sharing one NATS clean up after themselves). */
  async deleteStreams(): Promise<void> {
    for (const name of [this.names.sessions, this.names.retained, this.names.queue]) {
      await this.access.jsm.streams.delete(name).catch(() => undefined);
    }
    this.streams = undefined;
    this.streamsReady = false;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.instances].map((store) => store.drain()));
    this.publisher.close();
    await this.connection.drain().catch(() => undefined);
  }
}
