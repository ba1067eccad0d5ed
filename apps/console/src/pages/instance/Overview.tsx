import { lazy, Suspense, useState } from 'react';
import { Button, Group, List, Loader, Paper, Radio, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { api, data, call } from '../../api/client';
import type { EditionName, Instance } from '../../api/types';
import { ProblemError } from '../../api/problem';
import { CopyValue, ErrorAlert } from '../../components/common';
import { useAction, useLoad } from '../../hooks';
import { navigate } from '../../router';
import { EditionCard } from '../Instances';

// The charts (Recharts) load with the overview, after the rest of the console.
const MetricsCharts = lazy(() => import('./MetricsCharts').then((m) => ({ default: m.MetricsCharts })));

export function Overview({ instance, onChanged }: { instance: Instance; onChanged(): void }) {
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Endpoints instance={instance} />
        <Rename instance={instance} onChanged={onChanged} />
      </SimpleGrid>
      <Suspense fallback={<Loader size="sm" />}>
        <MetricsCharts instanceId={instance.id} />
      </Suspense>
      <ChangeEdition instance={instance} onChanged={onChanged} />
      <DeleteInstance instance={instance} />
    </Stack>
  );
}

function Endpoints({ instance }: { instance: Instance }) {
  const action = useAction();
  const downloadCa = () =>
    action.run(async () => {
      const pem = await call<string>('GET', `/v1/instances/${instance.id}/ca.pem`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([pem], { type: 'application/x-pem-file' }));
      link.download = `${instance.name}-ca.pem`;
      link.click();
      URL.revokeObjectURL(link.href);
    });
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3}>Endpoints</Title>
        {instance.endpoints ? (
          Object.entries(instance.endpoints).map(([name, url]) => <CopyValue key={name} label={name} value={url} />)
        ) : (
          <Text c="dimmed">Allocated when provisioning has placed the instance.</Text>
        )}
        <Group>
          <Button variant="light" size="xs" onClick={downloadCa} loading={action.busy}>
            Download the CA bundle
          </Button>
        </Group>
        <ErrorAlert error={action.error} />
      </Stack>
    </Paper>
  );
}

function Rename({ instance, onChanged }: { instance: Instance; onChanged(): void }) {
  const [name, setName] = useState(instance.name);
  const action = useAction();
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (await action.run(() => data(api.PATCH('/v1/instances/{id}', { params: { path: { id: instance.id } }, body: { name } })))) onChanged();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Rename">
      <Stack gap="xs">
        <Title order={3}>Name</Title>
        <TextInput label="Instance name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={action.field('name') ?? action.message} required />
        <Group>
          <Button type="submit" size="xs" loading={action.busy} disabled={name === instance.name}>
            Rename
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ChangeEdition({ instance, onChanged }: { instance: Instance; onChanged(): void }) {
  const editions = useLoad(() => data(api.GET('/v1/editions')), []);
  const [edition, setEdition] = useState<EditionName>(instance.edition);
  const action = useAction();
  const blockers = action.error instanceof ProblemError && Array.isArray(action.error.problem['blockers']) ? (action.error.problem['blockers'] as Record<string, unknown>[]) : [];
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (await action.run(() => data(api.PATCH('/v1/instances/{id}', { params: { path: { id: instance.id } }, body: { edition } })))) onChanged();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Change the edition">
      <Stack>
        <Title order={3}>Edition</Title>
        <Radio.Group value={edition} onChange={(value) => setEdition(value as EditionName)} label="Upgrade or downgrade" description="A downgrade is refused while the instance uses what the target does not allow.">
          <SimpleGrid cols={{ base: 1, sm: 3 }} mt="xs">
            {editions.data?.items.map((e) => <EditionCard key={e.name} edition={e} />)}
          </SimpleGrid>
        </Radio.Group>
        <ErrorAlert error={action.error} title="The edition cannot change" />
        {blockers.length > 0 && (
          <List size="sm" aria-label="Blockers">
            {blockers.map((b, i) => (
              <List.Item key={i}>{Object.entries(b).map(([key, value]) => `${key}: ${String(value)}`).join(', ')}</List.Item>
            ))}
          </List>
        )}
        <Group>
          <Button type="submit" loading={action.busy} disabled={edition === instance.edition}>
            Change the edition
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function DeleteInstance({ instance }: { instance: Instance }) {
  const [confirm, setConfirm] = useState('');
  const action = useAction();
  const remove = async () => {
    if (await action.run(() => call('DELETE', `/v1/instances/${instance.id}`).then(() => true))) navigate('');
  };
  return (
    <Paper withBorder p="md" aria-label="Delete the instance">
      <Stack gap="xs">
        <Title order={3} c="red.9">
          Delete
        </Title>
        <Text size="sm">Its listeners close and every device is disconnected. Type the instance name to confirm.</Text>
        <Group align="flex-end">
          <TextInput label="Instance name" value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} />
          <Button color="red" onClick={remove} disabled={confirm !== instance.name} loading={action.busy}>
            Delete the instance
          </Button>
        </Group>
        <ErrorAlert error={action.error} />
      </Stack>
    </Paper>
  );
}

