import { useState } from 'react';
import { Button, Code, Group, Paper, Stack, Table, TextInput } from '@mantine/core';
import { operations } from '../../api/operations';
import { ErrorAlert } from '../../components/common';
import { useAction, useLoad } from '../../hooks';

function decoded(payload: string | undefined, size: number): string {
  if (payload === undefined) return `${size} bytes (too large to show)`;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)));
  } catch {
    return `base64: ${payload}`;
  }
}

/** Retained messages by topic filter: view and delete. */
export function Retained({ instanceId: id }: { instanceId: string }) {
  const [topic, setTopic] = useState('#');
  const [applied, setApplied] = useState('#');
  const retained = useLoad(() => operations.retained(id, applied), [id, applied]);
  const action = useAction();
  return (
    <Stack>
      <Paper withBorder p="md" component="form" onSubmit={(e) => (e.preventDefault(), setApplied(topic))} aria-label="Browse retained messages">
        <Group align="flex-end">
          <TextInput label="Topic filter" value={topic} onChange={(e) => setTopic(e.currentTarget.value)} />
          <Button type="submit">Browse</Button>
        </Group>
      </Paper>
      <ErrorAlert error={retained.error} />
      {retained.data && (
        <Paper withBorder>
          <Table.ScrollContainer minWidth={600}>
            <Table striped aria-label="Retained messages">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Topic</Table.Th>
                  <Table.Th>Payload</Table.Th>
                  <Table.Th>QoS</Table.Th>
                  <Table.Th>Stored</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {retained.data.items.map((m) => (
                  <Table.Tr key={m.topic}>
                    <Table.Td>
                      <Code>{m.topic}</Code>
                    </Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{decoded(m.payload, m.size)}</Table.Td>
                    <Table.Td>{m.qos}</Table.Td>
                    <Table.Td>{new Date(m.storedAt).toLocaleString()}</Table.Td>
                    <Table.Td>
                      <Button size="xs" variant="subtle" color="red" onClick={() => action.run(() => operations.deleteRetained(id, m.topic)).then(retained.reload)} aria-label={`Delete retained ${m.topic}`}>
                        Delete
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      <ErrorAlert error={action.error} />
    </Stack>
  );
}
