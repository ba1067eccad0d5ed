import { useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, Radio, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { api, data } from '../api/client';
import type { Edition, EditionName } from '../api/types';
import { ErrorAlert, StatusBadge } from '../components/common';
import { useAction, useLoad } from '../hooks';
import { href, navigate } from '../router';

export function Instances() {
  const instances = useLoad(() => data(api.GET('/v1/instances', { params: { query: { limit: 100 } } })), [], 3_000);
  return (
    <Stack>
      <Title order={2}>Instances</Title>
      <ErrorAlert error={instances.error} />
      <Paper withBorder>
        <Table.ScrollContainer minWidth={520}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Edition</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {instances.data?.items.map((instance) => (
                <Table.Tr key={instance.id}>
                  <Table.Td>
                    <Anchor href={href(`/instances/${instance.id}`)} onClick={(e) => (e.preventDefault(), navigate(`/instances/${instance.id}`))}>
                      {instance.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{instance.edition}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={instance.status} />
                    {instance.statusReason && (
                      <Text size="xs" c="dimmed">
                        {instance.statusReason}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{new Date(instance.createdAt).toLocaleString()}</Table.Td>
                </Table.Tr>
              ))}
              {instances.data?.items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={4}>No instance yet: create one below.</Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <CreateInstance onCreated={instances.reload} />
    </Stack>
  );
}

function CreateInstance({ onCreated }: { onCreated(): void }) {
  const editions = useLoad(() => data(api.GET('/v1/editions')), []);
  const [name, setName] = useState('');
  const [edition, setEdition] = useState<EditionName>('basic');
  const action = useAction();

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const created = await action.run(() => data(api.POST('/v1/instances', { body: { name, edition } })));
    if (created) {
      setName('');
      onCreated();
    }
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Create an instance">
      <Stack>
        <Title order={3}>Create an instance</Title>
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required error={action.field('name')} maw={360} />
        <Radio.Group label="Edition" value={edition} onChange={(value) => setEdition(value as EditionName)} error={action.field('edition')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }} mt="xs">
            {editions.data?.items.map((e) => <EditionCard key={e.name} edition={e} />)}
          </SimpleGrid>
        </Radio.Group>
        <ErrorAlert error={action.error} />
        <Group>
          <Button type="submit" loading={action.busy}>
            Create
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** What an edition allows: its methods and its main quotas. */
export function EditionCard({ edition }: { edition: Edition }) {
  return (
    <Radio.Card value={edition.name} disabled={!edition.available} p="sm" radius="md" aria-label={`${edition.name} edition`} style={{ display: 'flex', alignItems: 'flex-start' }}>
      <Group wrap="nowrap" align="flex-start">
        <Radio.Indicator />
        <Stack gap={4}>
          <Text fw={600} tt="capitalize">
            {edition.name} {!edition.available && <Badge color="gray">not on sale</Badge>}
          </Text>
          <Group gap={4}>
            {edition.methods.map((m) => (
              <Badge key={m} size="xs" variant="outline" tt="none">
                {m}
              </Badge>
            ))}
          </Group>
          <Text size="xs" c="dimmed">
            {edition.quotas.maxConnections.toLocaleString()} connections · {edition.quotas.messagesPerSecond.toLocaleString()} msg/s ·{' '}
            {edition.quotas.authenticatorsPerChain} authenticators · {edition.quotas.builtInUsers.toLocaleString()} users · {edition.quotas.aclRules.toLocaleString()} rules
          </Text>
        </Stack>
      </Group>
    </Radio.Card>
  );
}
