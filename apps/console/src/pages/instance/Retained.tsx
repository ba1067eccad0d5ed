import { Button, Code, Stack, TextInput } from '@mantine/core';
import { operations, type RetainedView } from '../../api/operations';
import { ErrorAlert } from '../../components/common';
import { ListTable, type Column } from '../../components/DataTable';
import { FilterBar } from '../../components/Panel';
import { useAction, useFilter, useLoad } from '../../hooks';

function decoded(payload: string | undefined, size: number): string {
  if (payload === undefined) return `${size} bytes (too large to show)`;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)));
  } catch {
    return `base64: ${payload}`;
  }
}

const COLUMNS: Column<RetainedView>[] = [
  { header: 'Topic', cell: (m) => <Code>{m.topic}</Code> },
  { header: 'Payload', cell: (m) => decoded(m.payload, m.size), style: { overflowWrap: 'anywhere' } },
  { header: 'QoS', cell: (m) => m.qos },
  { header: 'Stored', cell: (m) => new Date(m.storedAt).toLocaleString() },
];

/** Retained messages by topic filter: view and delete. */
export function Retained({ instanceId: id }: { instanceId: string }) {
  const filter = useFilter({ topic: '#' });
  const retained = useLoad(() => operations.retained(id, filter.applied.topic), [id, filter.applied.topic]);
  const action = useAction();
  const remove = (m: RetainedView) => (
    <Button size="xs" variant="subtle" color="red" onClick={() => action.run(() => operations.deleteRetained(id, m.topic)).then(retained.reload)} aria-label={`Delete retained ${m.topic}`}>
      Delete
    </Button>
  );
  return (
    <Stack>
      <FilterBar label="Browse retained messages" submit="Browse" onApply={filter.apply}>
        <TextInput label="Topic filter" {...filter.field('topic')} />
      </FilterBar>
      <ListTable label="Retained messages" striped minWidth={600} list={retained} rowKey={(m) => m.topic} columns={[...COLUMNS, { cell: remove }]} />
      <ErrorAlert error={action.error} />
    </Stack>
  );
}
