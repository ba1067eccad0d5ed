import { useState } from 'react';
import { Anchor, Badge, Button, Code, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { operations, type ClientDetail as Detail, type ClientFilter } from '../../api/operations';
import { ErrorAlert } from '../../components/common';
import { useAction, useLoad } from '../../hooks';

/** Connected clients and persistent sessions: search, a client's subscriptions, kick, clear session. */
export function Clients({ instanceId: id }: { instanceId: string }) {
  const [filter, setFilter] = useState<Required<Omit<ClientFilter, 'cursor'>>>({ connected: '', clientId: '', username: '', peerHost: '' });
  const [applied, setApplied] = useState(filter);
  const clients = useLoad(() => operations.clients(id, applied), [id, JSON.stringify(applied)], 5_000);
  const [selected, setSelected] = useState<string>();
  const action = useAction();
  const kick = (clientId: string, clearSession: boolean) => action.run(() => operations.kick(id, clientId, clearSession)).then(clients.reload);
  const set = (key: keyof typeof filter) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setFilter({ ...filter, [key]: e.currentTarget.value });

  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={(e) => (e.preventDefault(), setApplied(filter))} aria-label="Search clients">
        <Group align="flex-end" wrap="wrap">
          <NativeSelect label="Connected" data={[{ value: '', label: 'any' }, { value: 'true', label: 'connected' }, { value: 'false', label: 'offline sessions' }]} value={filter.connected} onChange={set('connected')} />
          <TextInput label="Client id" value={filter.clientId} onChange={set('clientId')} />
          <TextInput label="User name" value={filter.username} onChange={set('username')} />
          <TextInput label="Address" value={filter.peerHost} onChange={set('peerHost')} />
          <Button type="submit">Search</Button>
        </Group>
      </Paper>
      <ErrorAlert error={clients.error} />
      {clients.data && (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={720}>
            <Table striped aria-label="Clients">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Client id</Table.Th>
                  <Table.Th>User name</Table.Th>
                  <Table.Th>Address</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Subs · queued · inflight</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {clients.data.items.map((c) => (
                  <Table.Tr key={c.clientId}>
                    <Table.Td>
                      <Anchor component="button" type="button" onClick={() => setSelected(c.clientId)}>
                        {c.clientId}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{c.username}</Table.Td>
                    <Table.Td>{c.peerHost}</Table.Td>
                    <Table.Td>
                      <Badge color={c.connected ? 'green' : 'gray'}>{c.connected ? `MQTT ${c.protocolVersion === 5 ? '5' : '3.1.1'}` : 'offline'}</Badge>
                    </Table.Td>
                    <Table.Td>
                      {c.subscriptions} · {c.queued} · {c.inflight}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => kick(c.clientId, false)} aria-label={`Kick ${c.clientId}`}>
                          Kick
                        </Button>
                        <Button size="xs" color="red" variant="subtle" onClick={() => kick(c.clientId, true)} aria-label={`Kick ${c.clientId} and clear its session`}>
                          Clear session
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      <ErrorAlert error={action.error} />
      {selected && <ClientDetail instanceId={id} clientId={selected} />}
    </Stack>
  );
}

function ClientDetail({ instanceId, clientId }: { instanceId: string; clientId: string }) {
  const client = useLoad(() => operations.client(instanceId, clientId), [instanceId, clientId], 5_000);
  const c: Detail | undefined = client.data;
  return (
    <Paper withBorder p="md" aria-label={`Client ${clientId}`}>
      <Stack gap="xs">
        <Title order={3}>{clientId}</Title>
        <ErrorAlert error={client.error} />
        {c && (
          <>
            <Text size="sm">
              {c.connected ? `connected since ${c.connectedAt}` : `disconnected ${c.disconnectedAt ?? ''}`} · keep alive {c.keepAlive}s · session expiry {c.sessionExpiryInterval}s · authenticated by {c.authenticator?.type ?? '—'}
            </Text>
            <Table aria-label="Subscriptions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Filter</Table.Th>
                  <Table.Th>QoS</Table.Th>
                  <Table.Th>Options</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {c.subscriptions.map((s) => (
                    <Table.Tr key={s.filter}>
                      <Table.Td>
                        <Code>{s.shareGroup ? `$share/${s.shareGroup}/${s.filter}` : s.filter}</Code>
                      </Table.Td>
                      <Table.Td>{s.qos}</Table.Td>
                      <Table.Td>{[s.noLocal && 'no local', s.retainAsPublished && 'retain as published', s.retainHandling ? `retain handling ${s.retainHandling}` : undefined].filter(Boolean).join(', ')}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Stack>
    </Paper>
  );
}
