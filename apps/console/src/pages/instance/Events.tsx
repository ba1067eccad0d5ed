import { useState } from 'react';
import { Badge, Button, Code, Group, NativeSelect, Paper, Stack, Table, TextInput } from '@mantine/core';
import { operations, type EventType, type EventView } from '../../api/operations';
import { ErrorAlert } from '../../components/common';
import { useLoad } from '../../hooks';

const TYPES: (EventType | '')[] = ['', 'client.connected', 'client.disconnected', 'client.connect-refused', 'client.throttled', 'authorization.denied', 'message.dropped'];
const SHOWN = new Set(['id', 'type', 'at', 'clientId', 'username', 'reason']);

/** The instance's events, newest first: refusals with their reasons, and the others. */
export function Events({ instanceId: id }: { instanceId: string }) {
  const [filter, setFilter] = useState<{ type: EventType | ''; clientId: string }>({ type: '', clientId: '' });
  const [applied, setApplied] = useState(filter);
  const events = useLoad(() => operations.events(id, applied), [id, JSON.stringify(applied)], 5_000);
  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={(e) => (e.preventDefault(), setApplied(filter))} aria-label="Filter events">
        <Group align="flex-end" wrap="wrap">
          <NativeSelect label="Type" data={TYPES.map((t) => ({ value: t, label: t || 'any' }))} value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.currentTarget.value as EventType | '' })} />
          <TextInput label="Client id" value={filter.clientId} onChange={(e) => setFilter({ ...filter, clientId: e.currentTarget.value })} />
          <Button type="submit">Filter</Button>
        </Group>
      </Paper>
      <ErrorAlert error={events.error} />
      {events.data && (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={720}>
            <Table striped aria-label="Events">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Client id</Table.Th>
                  <Table.Th>User name</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>{events.data.items.map((e) => <EventRow key={e.id} event={e} />)}</Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Stack>
  );
}

function EventRow({ event }: { event: EventView }) {
  const details = Object.fromEntries(Object.entries(event).filter(([k]) => !SHOWN.has(k)));
  const refused = event.type !== 'client.connected' && event.type !== 'client.disconnected';
  return (
    <Table.Tr>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>{new Date(event.at).toLocaleString()}</Table.Td>
      <Table.Td style={{ whiteSpace: 'nowrap' }}>
        <Badge color={refused ? 'red' : 'blue'} tt="none" style={{ minWidth: 'max-content' }}>
          {event.type}
        </Badge>
      </Table.Td>
      <Table.Td>{event.clientId}</Table.Td>
      <Table.Td>{event.username}</Table.Td>
      <Table.Td>{event.reason}</Table.Td>
      <Table.Td>
        {Object.keys(details).length > 0 && (
          <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {Object.entries(details)
              .map(([key, value]) => `${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
              .join('\n')}
          </Code>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
