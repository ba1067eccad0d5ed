import { lazy, Suspense } from 'react';
import { Anchor, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { api, data } from '../api/client';
import { ErrorAlert, StatusBadge } from '../components/common';
import { useLoad } from '../hooks';
import { href, navigate } from '../router';
import { Overview } from './instance/Overview';
import { Authentication } from './instance/Authentication';
import { Users } from './instance/Users';
import { Credentials } from './instance/Credentials';
import { Authorization } from './instance/Authorization';
import { Clients } from './instance/Clients';
import { Events } from './instance/Events';
import { Retained } from './instance/Retained';

// The MQTT client (MQTT.js) loads when its tab opens.
const MqttClientPanel = lazy(() => import('./instance/MqttClientPanel').then((m) => ({ default: m.MqttClientPanel })));

const TABS = [
  ['overview', 'Overview'],
  ['authentication', 'Authentication'],
  ['users', 'Users'],
  ['credentials', 'Devices & certificates'],
  ['authorization', 'Authorization'],
  ['clients', 'Clients'],
  ['events', 'Events'],
  ['retained', 'Retained'],
  ['mqtt', 'MQTT client'],
] as const;

export function InstancePage({ id, tab }: { id: string; tab: string }) {
  const instance = useLoad(() => data(api.GET('/v1/instances/{id}', { params: { path: { id } } })), [id], 5_000);
  const current = instance.data;
  return (
    <Stack>
      <Anchor href={href('')} onClick={(e) => (e.preventDefault(), navigate(''))} size="sm">
        ← Instances
      </Anchor>
      {current && (
        <Group gap="sm" align="center">
          <Title order={2}>{current.name}</Title>
          <StatusBadge status={current.status} />
          <Text c="dimmed" tt="capitalize">
            {current.edition}
          </Text>
          {current.statusReason && (
            <Text size="sm" c="red.9">
              {current.statusReason}
            </Text>
          )}
        </Group>
      )}
      <ErrorAlert error={instance.error} />
      {current && (
        <Tabs value={tab} onChange={(value) => value && navigate(`/instances/${id}/${value}`)} keepMounted={false}>
          <Tabs.List style={{ overflowX: 'auto', flexWrap: 'nowrap' }}>
            {TABS.map(([value, label]) => (
              <Tabs.Tab key={value} value={value}>
                {label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          <Tabs.Panel value="overview" pt="md">
            <Overview instance={current} onChanged={instance.reload} />
          </Tabs.Panel>
          <Tabs.Panel value="authentication" pt="md">
            <Authentication instance={current} onChanged={instance.reload} />
          </Tabs.Panel>
          <Tabs.Panel value="users" pt="md">
            <Users instanceId={id} />
          </Tabs.Panel>
          <Tabs.Panel value="credentials" pt="md">
            <Credentials instanceId={id} />
          </Tabs.Panel>
          <Tabs.Panel value="authorization" pt="md">
            <Authorization instance={current} />
          </Tabs.Panel>
          <Tabs.Panel value="clients" pt="md">
            <Clients instanceId={id} />
          </Tabs.Panel>
          <Tabs.Panel value="events" pt="md">
            <Events instanceId={id} />
          </Tabs.Panel>
          <Tabs.Panel value="retained" pt="md">
            <Retained instanceId={id} />
          </Tabs.Panel>
          <Tabs.Panel value="mqtt" pt="md">
            <Suspense fallback={<Loader size="sm" />}>
              <MqttClientPanel instance={current} />
            </Suspense>
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}
