import { useState } from 'react';
import { Badge, Button, Code, Group, Stack, Text, Title } from '@mantine/core';
import { api, data } from '../api/client';
import { AddByName } from '../components/AddByName';
import { ErrorAlert, ShownOnce, StatusBadge } from '../components/common';
import { DataTable } from '../components/DataTable';
import { Panel } from '../components/Panel';
import { useAction, useLoad } from '../hooks';

/** The operator's view: tenants, nodes, every instance, the editions on sale. */
export function Operator() {
  const tenants = useLoad(() => data(api.GET('/v1/ops/tenants')), []);
  const nodes = useLoad(() => data(api.GET('/v1/ops/nodes')), [], 5_000);
  const instances = useLoad(() => data(api.GET('/v1/ops/instances')), [], 5_000);
  const editions = useLoad(() => data(api.GET('/v1/ops/editions')), []);
  const [created, setCreated] = useState<unknown>();
  const action = useAction();
  return (
    <Stack>
      <Title order={2}>Operator</Title>
      <Panel title="Tenants">
        <DataTable label="Tenants" rows={tenants.data?.items} rowKey={(t) => t.id} columns={[{ cell: (t) => t.name }, { cell: (t) => <Code>{t.id}</Code> }]} />
        {created !== undefined && <ShownOnce value={created} title="The tenant's API key is shown once" onDismiss={() => setCreated(undefined)} />}
        <AddByName
          label="Create a tenant"
          field={{ label: 'Tenant name', name: 'name' }}
          submit="Create the tenant"
          action={action}
          add={(name) => data(api.POST('/v1/ops/tenants', { body: { name } }))}
          onAdded={(answer) => (setCreated(answer), tenants.reload())}
        />
        <ErrorAlert error={tenants.error ?? action.error} />
      </Panel>
      <Panel title="Broker nodes">
        <DataTable
          label="Nodes"
          rows={nodes.data?.items}
          rowKey={(_, i) => i}
          columns={[
            { cell: (n) => String(n['name'] ?? n['id']) },
            { cell: (n) => String(n['status'] ?? '') },
            { cell: (n) => `${Object.keys((n['instances'] as object | undefined) ?? {}).length} instances` },
          ]}
        />
        <ErrorAlert error={nodes.error} />
      </Panel>
      <Panel title="Instances">
        <DataTable
          label="All instances"
          minWidth={520}
          rows={instances.data?.items}
          rowKey={(i) => i.id}
          columns={[{ cell: (i) => i.name }, { cell: (i) => i.edition }, { cell: (i) => <StatusBadge status={i.status} /> }]}
        />
      </Panel>
      <Panel title="Editions on sale">
        <Text size="xs" c="dimmed">
          Stopping the sale refuses new instances of the edition; existing ones keep working.
        </Text>
        <ErrorAlert error={editions.error} />
        {editions.data?.items.map((e) => <EditionSale key={e.name} name={e.name} available={e.available} onChange={editions.reload} />)}
      </Panel>
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
