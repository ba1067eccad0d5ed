import { Badge, Code, NativeSelect, Stack, TextInput } from '@mantine/core';
import { operations, type EventType, type EventView } from '../../api/operations';
import { ListTable, type Column } from '../../components/DataTable';
import { FilterBar } from '../../components/Panel';
import { useFilter, useLoad } from '../../hooks';

const TYPES: (EventType | '')[] = ['', 'client.connected', 'client.disconnected', 'client.connect-refused', 'client.throttled', 'authorization.denied', 'message.dropped'];
const SHOWN = new Set(['id', 'type', 'at', 'clientId', 'username', 'reason']);

const COLUMNS: Column<EventView>[] = [
  { header: 'Time', cell: (e) => new Date(e.at).toLocaleString(), style: { whiteSpace: 'nowrap' } },
  { header: 'Type', cell: (e) => <TypeBadge type={e.type} />, style: { whiteSpace: 'nowrap' } },
  { header: 'Client id', cell: (e) => e.clientId },
  { header: 'User name', cell: (e) => e.username },
  { header: 'Reason', cell: (e) => e.reason },
  { header: 'Details', cell: (e) => <Details event={e} /> },
];

/** The instance's events, newest first: refusals with their reasons, and the others. */
export function Events({ instanceId: id }: { instanceId: string }) {
  const filter = useFilter<{ type: EventType | ''; clientId: string }>({ type: '', clientId: '' });
  const events = useLoad(() => operations.events(id, filter.applied), [id, JSON.stringify(filter.applied)], 5_000);
  return (
    <Stack>
      <FilterBar label="Filter events" submit="Filter" onApply={filter.apply}>
        <NativeSelect label="Type" data={TYPES.map((t) => ({ value: t, label: t || 'any' }))} {...filter.field('type')} />
        <TextInput label="Client id" {...filter.field('clientId')} />
      </FilterBar>
      <ListTable label="Events" striped minWidth={720} list={events} rowKey={(e) => e.id} columns={COLUMNS} />
    </Stack>
  );
}

function TypeBadge({ type }: { type: EventType }) {
  const refused = type !== 'client.connected' && type !== 'client.disconnected';
  return (
    <Badge color={refused ? 'red' : 'blue'} tt="none" style={{ minWidth: 'max-content' }}>
      {type}
    </Badge>
  );
}

/** The event's fields beyond the columns, one `key: value` a line. */
function Details({ event }: { event: EventView }) {
  const details = Object.entries(event).filter(([k]) => !SHOWN.has(k));
  if (details.length === 0) return null;
  return (
    <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
      {details.map(([key, value]) => `${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`).join('\n')}
    </Code>
  );
}
