import mqtt, { type MqttClient } from 'mqtt';

export interface RoundTripFigures {
  ok: number;
  failed: number;
  /** Times the client lost its connection. */
  disconnects: number;
  maxLatencyMs: number;
}

/** A round trip not back within this long counts as failed (a liveness bound, not a performance figure). */
const FAIL_AFTER_MS = 10_000;
const TOPIC = 'probe/round-trip';

/**
 * A well-behaved mqtt.js client (MQTT 5) on its own instance: publishes a QoS 1 message to a
 * topic it subscribes to, waits for it to come back, and again, until stopped.
 */
export class RoundTripProbe {
  readonly figures: RoundTripFigures = { ok: 0, failed: 0, disconnects: 0, maxLatencyMs: 0 };
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private awaiting: { seq: string; resolve: () => void } | undefined;

  private constructor(private readonly client: MqttClient) {
    client.on('close', () => {
      if (this.running) this.figures.disconnects++;
    });
    client.on('error', () => undefined);
    client.on('message', (_topic, payload) => {
      if (this.awaiting?.seq === payload.toString()) this.awaiting.resolve();
    });
  }

  /** Connects (retrying while the instance's access policy is still being applied) and subscribes. */
  static async connect(port: number, clientId: string): Promise<RoundTripProbe> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000 });
        await client.subscribeAsync(TOPIC, { qos: 1 });
        client.options.reconnectPeriod = 1_000;
        return new RoundTripProbe(client);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no client could connect to 127.0.0.1:${port}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** One publish → receive; true when it came back in time. */
  async roundTrip(seq: number): Promise<boolean> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const received = new Promise<boolean>((resolve) => {
      this.awaiting = { seq: String(seq), resolve: () => resolve(true) };
      timer = setTimeout(() => resolve(false), FAIL_AFTER_MS);
    });
    this.client.publish(TOPIC, String(seq), { qos: 1 }, () => undefined);
    const back = await received;
    clearTimeout(timer);
    this.awaiting = undefined;
    if (back) {
      this.figures.ok++;
      this.figures.maxLatencyMs = Math.max(this.figures.maxLatencyMs, performance.now() - started);
    } else {
      this.figures.failed++;
    }
    return back;
  }

  /** Round trips one after the other, `pauseMs` apart, until `stop()`. */
  startLoop(pauseMs: number): void {
    this.loop = (async () => {
      for (let seq = 1; this.running; seq++) {
        await this.roundTrip(seq);
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    })();
  }

  async stop(): Promise<RoundTripFigures> {
    this.running = false;
    await this.loop;
    await this.client.endAsync(true);
    return this.figures;
  }
}
