import { useState } from 'react';
import { Anchor, Badge, Button, Code, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { operations, type ClientDetail as Detail, type ClientFilter, type ClientSummary } from '../../api/operations';
import { ErrorAlert } from '../../components/common';
import { DataTable, ListTable, type Column } from '../../components/DataTable';
import { FilterBar, Panel } from '../../components/Panel';
import { useAction, useFilter, useLoad } from '../../hooks';

const CONNECTED = [{ value: '', label: 'any' }, { value: 'true', label: 'connected' }, { value: 'false', label: 'offline sessions' }];

/** Connected clients and persistent sessions: search, a client's subscriptions, kick, clear session. */
export function Clients({ instanceId: id }: { instanceId: string }) {
  const filter = useFilter<Required<Omit<ClientFilter, 'cursor'>>>({ connected: '', clientId: '', username: '', peerHost: '' });
  const clients = useLoad(() => operations.clients(id, filter.applied), [id, JSON.stringify(filter.applied)], 5_000);
  const [selected, setSelected] = useState<string>();
  const action = useAction();
  const kick = (clientId: string, clearSession: boolean) => action.run(() => operations.kick(id, clientId, clearSession)).then(clients.reload);
  const columns: Column<ClientSummary>[] = [
    {
      header: 'Client id',
      cell: (c) => (
        <Anchor component="button" type="button" onClick={() => setSelected(c.clientId)}>
          {c.clientId}
        </Anchor>
      ),
    },
    { header: 'User name', cell: (c) => c.username },
    { header: 'Address', cell: (c) => c.peerHost },
    { header: 'State', cell: (c) => <Badge color={c.connected ? 'green' : 'gray'}>{c.connected ? `MQTT ${c.protocolVersion === 5 ? '5' : '3.1.1'}` : 'offline'}</Badge> },
    { header: 'Subs · queued · inflight', cell: (c) => `${c.subscriptions} · ${c.queued} · ${c.inflight}` },
    {
      cell: (c) => (
        <Group gap={4} wrap="nowrap">
          <Button size="xs" variant="default" onClick={() => kick(c.clientId, false)} aria-label={`Kick ${c.clientId}`}>
            Kick
          </Button>
          <Button size="xs" color="red" variant="subtle" onClick={() => kick(c.clientId, true)} aria-label={`Kick ${c.clientId} and clear its session`}>
            Clear session
          </Button>
        </Group>
      ),
    },
  ];

  return (
    <Stack>
      <FilterBar label="Search clients" submit="Search" onApply={filter.apply}>
        <NativeSelect label="Connected" data={CONNECTED} {...filter.field('connected')} />
        <TextInput label="Client id" {...filter.field('clientId')} />
        <TextInput label="User name" {...filter.field('username')} />
        <TextInput label="Address" {...filter.field('peerHost')} />
      </FilterBar>
      <ListTable label="Clients" striped minWidth={720} list={clients} rowKey={(c) => c.clientId} columns={columns} />
      <ErrorAlert error={action.error} />
      {selected && <ClientDetail instanceId={id} clientId={selected} />}
    </Stack>
  );
}

type Subscription = Detail['subscriptions'][number];

const SUBSCRIPTION_COLUMNS: Column<Subscription>[] = [
  { header: 'Filter', cell: (s) => <Code>{s.shareGroup ? `$share/${s.shareGroup}/${s.filter}` : s.filter}</Code> },
  { header: 'QoS', cell: (s) => s.qos },
  { header: 'Options', cell: (s) => [s.noLocal && 'no local', s.retainAsPublished && 'retain as published', s.retainHandling ? `retain handling ${s.retainHandling}` : undefined].filter(Boolean).join(', ') },
];

function ClientDetail({ instanceId, clientId }: { instanceId: string; clientId: string }) {
  const client = useLoad(() => operations.client(instanceId, clientId), [instanceId, clientId], 5_000);
  const c: Detail | undefined = client.data;
  return (
    <Panel title={clientId} label={`Client ${clientId}`}>
      <ErrorAlert error={client.error} />
      {c && (
        <>
          <Text size="sm">
            {c.connected ? `connected since ${c.connectedAt}` : `disconnected ${c.disconnectedAt ?? ''}`} · keep alive {c.keepAlive}s · session expiry {c.sessionExpiryInterval}s · authenticated by {c.authenticator?.type ?? '—'}
          </Text>
          <DataTable label="Subscriptions" rows={c.subscriptions} rowKey={(s) => s.filter} columns={SUBSCRIPTION_COLUMNS} />
        </>
      )}
    </Panel>
  );
}
