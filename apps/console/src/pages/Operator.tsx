import { useState } from 'react';
import { Badge, Button, Code, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { api, data } from '../api/client';
import { ErrorAlert, ShownOnce, StatusBadge } from '../components/common';
import { useAction, useLoad } from '../hooks';

/** The operator's view: tenants, nodes, every instance, the editions on sale. */
export function Operator() {
  const tenants = useLoad(() => data(api.GET('/v1/ops/tenants')), []);
  const nodes = useLoad(() => data(api.GET('/v1/ops/nodes')), [], 5_000);
  const instances = useLoad(() => data(api.GET('/v1/ops/instances')), [], 5_000);
  const editions = useLoad(() => data(api.GET('/v1/ops/editions')), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<unknown>();
  const action = useAction();
  const createTenant = async (event: React.FormEvent) => {
    event.preventDefault();
    const answer = await action.run(() => data(api.POST('/v1/ops/tenants', { body: { name } })));
    if (answer) {
      setCreated(answer);
      setName('');
      tenants.reload();
    }
  };
  return (
    <Stack>
      <Title order={2}>Operator</Title>
      <Paper withBorder p="md">
        <Stack gap="xs">
          <Title order={3}>Tenants</Title>
          <Table aria-label="Tenants">
            <Table.Tbody>
              {tenants.data?.items.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td>{t.name}</Table.Td>
                  <Table.Td>
                    <Code>{t.id}</Code>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {created !== undefined && (
            <ShownOnce value={created} title="The tenant's API key is shown once" onDismiss={() => setCreated(undefined)} />
          )}
          <Group component="form" onSubmit={createTenant} align="flex-end" aria-label="Create a tenant">
            <TextInput label="Tenant name" value={name} onChange={(e) => setName(e.currentTarget.value)} required error={action.field('name')} />
            <Button type="submit" loading={action.busy}>
              Create the tenant
            </Button>
          </Group>
          <ErrorAlert error={tenants.error ?? action.error} />
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Title order={3}>Broker nodes</Title>
        <Table aria-label="Nodes">
          <Table.Tbody>
            {nodes.data?.items.map((n, i) => (
              <Table.Tr key={i}>
                <Table.Td>{String(n['name'] ?? n['id'])}</Table.Td>
                <Table.Td>{String(n['status'] ?? '')}</Table.Td>
                <Table.Td>{Object.keys((n['instances'] as object | undefined) ?? {}).length} instances</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <ErrorAlert error={nodes.error} />
      </Paper>
      <Paper withBorder p="md">
        <Title order={3}>Instances</Title>
        <Table.ScrollContainer minWidth={520}>
          <Table aria-label="All instances">
            <Table.Tbody>
              {instances.data?.items.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{i.name}</Table.Td>
                  <Table.Td>{i.edition}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={i.status} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <Paper withBorder p="md">
        <Stack gap="xs">
          <Title order={3}>Editions on sale</Title>
          <Text size="xs" c="dimmed">
            Stopping the sale refuses new instances of the edition; existing ones keep working.
          </Text>
          <ErrorAlert error={editions.error} />
          {editions.data?.items.map((e) => <EditionSale key={e.name} name={e.name} available={e.available} onChange={editions.reload} />)}
        </Stack>
      </Paper>
    </Stack>
  );
}

function EditionSale({ name, available, onChange }: { name: string; available: boolean; onChange(): void }) {
  const action = useAction();
  const set = (on: boolean) => action.run(() => data(api.PATCH('/v1/ops/editions/{edition}', { params: { path: { edition: name } }, body: { available: on } }))).then(onChange);
  return (
    <Group>
      <Text w={110} tt="capitalize">
        {name}
      </Text>
      <Badge color={available ? 'green' : 'gray'} w={130}>
        {available ? 'on sale' : 'not on sale'}
      </Badge>
      {available ? (
        <Button size="xs" variant="subtle" color="red" onClick={() => set(false)} loading={action.busy} aria-label={`Stop selling ${name}`}>
          Stop selling
        </Button>
      ) : (
        <Button size="xs" variant="default" onClick={() => set(true)} loading={action.busy} aria-label={`Sell ${name}`}>
          Sell
        </Button>
      )}
      {action.message && <Text c="red.9" size="xs">{action.message}</Text>}
    </Group>
  );
}
