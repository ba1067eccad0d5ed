import { useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, Radio, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { api, data } from '../api/client';
import type { Edition, EditionName, Instance } from '../api/types';
import { ErrorAlert, StatusBadge } from '../components/common';
import { ListTable, type Column } from '../components/DataTable';
import { useAction, useLoad } from '../hooks';
import { href, navigate } from '../router';

const COLUMNS: Column<Instance>[] = [
  {
    header: 'Name',
    cell: (instance) => (
      <Anchor href={href(`/instances/${instance.id}`)} onClick={(e) => (e.preventDefault(), navigate(`/instances/${instance.id}`))}>
        {instance.name}
      </Anchor>
    ),
  },
  { header: 'Edition', cell: (instance) => instance.edition },
  {
    header: 'Status',
    cell: (instance) => (
      <>
        <StatusBadge status={instance.status} />
        {instance.statusReason && (
          <Text size="xs" c="dimmed">
            {instance.statusReason}
          </Text>
        )}
      </>
    ),
  },
  { header: 'Created', cell: (instance) => new Date(instance.createdAt).toLocaleString() },
];

export function Instances() {
  const instances = useLoad(() => data(api.GET('/v1/instances', { params: { query: { limit: 100 } } })), [], 3_000);
  return (
    <Stack>
      <Title order={2}>Instances</Title>
      <ListTable label="Instances" striped highlightOnHover minWidth={520} list={instances} rowKey={(i) => i.id} columns={COLUMNS} empty="No instance yet: create one below." />
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
