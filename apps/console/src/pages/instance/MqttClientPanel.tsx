import { useEffect, useRef, useState } from 'react';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { Badge, Button, Checkbox, CloseButton, Code, Group, NativeSelect, NumberInput, PasswordInput, ScrollArea, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { Instance } from '../../api/types';
import { ErrorAlert } from '../../components/common';
import { DataTable, type Column } from '../../components/DataTable';
import { Panel } from '../../components/Panel';
import { useAction } from '../../hooks';

type QoS = 0 | 1 | 2;

interface Received {
  at: Date;
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
  properties?: Record<string, unknown>;
}

/**
 * The WebSocket endpoint the browser can reach: a page served over https may open wss only; over
 * http, ws first, since wss there is often signed by the instance CA, which the browser does not trust.
 */
function webSocketUrl(instance: Instance): string {
  const endpoints = (instance.endpoints ?? {}) as Record<string, string | undefined>;
  if (window.location.protocol === 'https:') return endpoints['wss'] ?? endpoints['wssShared'] ?? '';
  return endpoints['ws'] ?? endpoints['wss'] ?? endpoints['wssShared'] ?? '';
}

const decoder = new TextDecoder();

const MESSAGE_COLUMNS: Column<Received>[] = [
  { header: 'Time', cell: (m) => m.at.toLocaleTimeString() },
  {
    header: 'Topic',
    cell: (m) => (
      <>
        <Code>{m.topic}</Code>
        {m.retain && (
          <Badge size="xs" ml={4} tt="none">
            retained
          </Badge>
        )}
      </>
    ),
  },
  {
    header: 'Payload',
    style: { overflowWrap: 'anywhere' },
    cell: (m) => (
      <>
        {m.payload}
        {m.properties && Object.keys(m.properties).length > 0 && (
          <Text size="xs" c="dimmed">
            {JSON.stringify(m.properties)}
          </Text>
        )}
      </>
    ),
  },
  { header: 'QoS', cell: (m) => m.qos },
];

/**
 * An MQTT client in the browser over the instance's WebSocket endpoint: it connects as the
 * identity typed in, so authentication and authorization treat it exactly as a device.
 */
export function MqttClientPanel({ instance }: { instance: Instance }) {
  const client = useRef<MqttClient | null>(null);
  const [state, setState] = useState<'disconnected' | 'connecting' | 'connected'>('disconnected');
  const [error, setError] = useState<Error>();
  const [messages, setMessages] = useState<Received[]>([]);
  const [connection, setConnection] = useState({ url: webSocketUrl(instance), protocolVersion: '5', clientId: `console-${Math.random().toString(16).slice(2, 8)}`, username: '', password: '', clean: true, keepalive: 60 });

  useEffect(() => () => void client.current?.end(true), []);

  const connect = () => {
    client.current?.end(true);
    setError(undefined);
    setState('connecting');
    const c = mqtt.connect(connection.url, {
      protocolVersion: Number(connection.protocolVersion) as 4 | 5,
      clientId: connection.clientId,
      username: connection.username || undefined,
      password: connection.password || undefined,
      clean: connection.clean,
      keepalive: connection.keepalive,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    client.current = c;
    c.on('connect', () => setState('connected'));
    c.on('error', (e) => setError(e));
    c.on('close', () => setState('disconnected'));
    c.on('disconnect', (packet) => setError(new Error(`the broker disconnected: reason ${packet.reasonCode ?? ''} ${packet.properties?.reasonString ?? ''}`)));
    c.on('message', (topic, payload, packet) =>
      setMessages((list) => [{ at: new Date(), topic, payload: decoder.decode(payload), qos: packet.qos, retain: packet.retain, properties: packet.properties as Record<string, unknown> | undefined }, ...list].slice(0, 500)),
    );
  };

  const disconnect = () => client.current?.end();
  const connected = state === 'connected';

  return (
    <Stack>
      <Panel
        title="Connection"
        onSubmit={connect}
        aside={
          <Badge color={connected ? 'green' : state === 'connecting' ? 'blue' : 'gray'} data-testid="mqtt-state">
            {state}
          </Badge>
        }
      >
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }}>
          <TextInput label="WebSocket URL" value={connection.url} onChange={(e) => setConnection({ ...connection, url: e.currentTarget.value })} required />
          <NativeSelect label="MQTT version" data={[{ value: '5', label: '5.0' }, { value: '4', label: '3.1.1' }]} value={connection.protocolVersion} onChange={(e) => setConnection({ ...connection, protocolVersion: e.currentTarget.value })} />
          <TextInput label="Client id" value={connection.clientId} onChange={(e) => setConnection({ ...connection, clientId: e.currentTarget.value })} />
          <TextInput label="User name" value={connection.username} onChange={(e) => setConnection({ ...connection, username: e.currentTarget.value })} autoComplete="off" />
          <PasswordInput label="Password" value={connection.password} onChange={(e) => setConnection({ ...connection, password: e.currentTarget.value })} autoComplete="off" />
          <NumberInput label="Keep alive (s)" value={connection.keepalive} min={0} max={65535} onChange={(n) => setConnection({ ...connection, keepalive: Number(n) || 0 })} />
        </SimpleGrid>
        <Checkbox label="Clean start" checked={connection.clean} onChange={(e) => setConnection({ ...connection, clean: e.currentTarget.checked })} />
        <ErrorAlert error={error} title="MQTT" />
        <Group>
          <Button type="submit" loading={state === 'connecting'}>
            Connect
          </Button>
          <Button variant="default" onClick={disconnect} disabled={state === 'disconnected'}>
            Disconnect
          </Button>
        </Group>
      </Panel>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Subscribe client={client.current} disabled={!connected} />
        <Publish client={client.current} disabled={!connected} v5={connection.protocolVersion === '5'} />
      </SimpleGrid>
      <Panel
        title="Messages"
        aside={
          <Button size="xs" variant="subtle" onClick={() => setMessages([])}>
            Clear
          </Button>
        }
      >
        <ScrollArea h={280}>
          <DataTable label="Messages" striped rows={messages} rowKey={(_, i) => i} columns={MESSAGE_COLUMNS} />
        </ScrollArea>
      </Panel>
    </Stack>
  );
}

function Subscribe({ client, disabled }: { client: MqttClient | null; disabled: boolean }) {
  const [topic, setTopic] = useState('#');
  const [qos, setQos] = useState('0');
  const [subscribed, setSubscribed] = useState<{ topic: string; qos: number }[]>([]);
  const action = useAction();
  const submit = () =>
    action.run(async () => {
      const granted = await client!.subscribeAsync(topic, { qos: Number(qos) as QoS });
      const refused = granted.find((g) => g.qos >= 0x80);
      if (refused) throw new Error(`the broker refused ${topic} (reason 0x${refused.qos.toString(16)})`);
      setSubscribed((list) => [...list.filter((s) => s.topic !== topic), { topic, qos: granted[0]?.qos ?? Number(qos) }]);
    });
  return (
    <Panel title="Subscribe" onSubmit={submit}>
      <Group align="flex-end" wrap="nowrap">
        <TextInput label="Topic filter" value={topic} onChange={(e) => setTopic(e.currentTarget.value)} required style={{ flex: 1 }} />
        <NativeSelect label="QoS" aria-label="Subscription QoS" data={['0', '1', '2']} value={qos} onChange={(e) => setQos(e.currentTarget.value)} />
        <Button type="submit" disabled={disabled}>
          Subscribe
        </Button>
      </Group>
      <ErrorAlert error={action.error} title="Subscribe" />
      <Group gap={4}>
        {subscribed.map((s) => (
          <Badge key={s.topic} variant="outline" tt="none" rightSection={
              <CloseButton size="xs" aria-label={`Unsubscribe ${s.topic}`} onClick={() => client?.unsubscribeAsync(s.topic).then(() => setSubscribed((l) => l.filter((x) => x.topic !== s.topic)))} />
            }
          >
            {s.topic} (QoS {s.qos})
          </Badge>
        ))}
      </Group>
    </Panel>
  );
}

function Publish({ client, disabled, v5 }: { client: MqttClient | null; disabled: boolean; v5: boolean }) {
  const [form, setForm] = useState({ topic: '', payload: '', qos: '0', retain: false, contentType: '', responseTopic: '', correlationData: '', messageExpiryInterval: '', userProperties: '' });
  const action = useAction();
  const [sent, setSent] = useState(0);
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => setForm({ ...form, [key]: e.currentTarget.value });
  const submit = () =>
    action.run(async () => {
      const options: IClientPublishOptions = { qos: Number(form.qos) as QoS, retain: form.retain };
      if (v5) {
        const properties: NonNullable<IClientPublishOptions['properties']> = {};
        if (form.contentType) properties.contentType = form.contentType;
        if (form.responseTopic) properties.responseTopic = form.responseTopic;
        if (form.correlationData) properties.correlationData = new TextEncoder().encode(form.correlationData) as never;
        if (form.messageExpiryInterval) properties.messageExpiryInterval = Number(form.messageExpiryInterval);
        if (form.userProperties) properties.userProperties = JSON.parse(form.userProperties) as Record<string, string>;
        options.properties = properties;
      }
      await client!.publishAsync(form.topic, form.payload, options);
      setSent((n) => n + 1);
    });
  return (
    <Panel title="Publish" onSubmit={submit}>
      <TextInput label="Topic" value={form.topic} onChange={set('topic')} required />
      <Textarea label="Payload" value={form.payload} onChange={set('payload')} autosize minRows={2} />
      <Group align="flex-end">
        <NativeSelect label="QoS" aria-label="Publish QoS" data={['0', '1', '2']} value={form.qos} onChange={set('qos')} />
        <Checkbox label="Retain" checked={form.retain} onChange={(e) => setForm({ ...form, retain: e.currentTarget.checked })} mb={8} />
      </Group>
      {v5 && (
        <SimpleGrid cols={2}>
          <TextInput label="Content type" value={form.contentType} onChange={set('contentType')} size="xs" />
          <TextInput label="Response topic" value={form.responseTopic} onChange={set('responseTopic')} size="xs" />
          <TextInput label="Correlation data" value={form.correlationData} onChange={set('correlationData')} size="xs" />
          <TextInput label="Message expiry (s)" value={form.messageExpiryInterval} onChange={set('messageExpiryInterval')} size="xs" inputMode="numeric" />
          <TextInput label="User properties (JSON)" placeholder='{"k":"v"}' value={form.userProperties} onChange={set('userProperties')} size="xs" />
        </SimpleGrid>
      )}
      <ErrorAlert error={action.error} title="Publish" />
      <Group>
        <Button type="submit" disabled={disabled}>
          Publish
        </Button>
        {sent > 0 && (
          <Text size="sm" c="dimmed" aria-live="polite">
            {sent} sent
          </Text>
        )}
      </Group>
    </Panel>
  );
}
