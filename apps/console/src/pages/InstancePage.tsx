import { lazy, Suspense, type ReactNode } from 'react';
import { Anchor, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { api, data } from '../api/client';
import type { Instance } from '../api/types';
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

/** The instance's tabs, in order: the route's last segment, the label, and what the tab shows. */
const TABS: { value: string; label: string; show(instance: Instance, onChanged: () => void): ReactNode }[] = [
  { value: 'overview', label: 'Overview', show: (instance, onChanged) => <Overview instance={instance} onChanged={onChanged} /> },
  { value: 'authentication', label: 'Authentication', show: (instance, onChanged) => <Authentication instance={instance} onChanged={onChanged} /> },
  { value: 'users', label: 'Users', show: (instance) => <Users instanceId={instance.id} /> },
  { value: 'credentials', label: 'Devices & certificates', show: (instance) => <Credentials instanceId={instance.id} /> },
  { value: 'authorization', label: 'Authorization', show: (instance) => <Authorization instance={instance} /> },
  { value: 'clients', label: 'Clients', show: (instance) => <Clients instanceId={instance.id} /> },
  { value: 'events', label: 'Events', show: (instance) => <Events instanceId={instance.id} /> },
  { value: 'retained', label: 'Retained', show: (instance) => <Retained instanceId={instance.id} /> },
  {
    value: 'mqtt',
    label: 'MQTT client',
    show: (instance) => (
      <Suspense fallback={<Loader size="sm" />}>
        <MqttClientPanel instance={instance} />
      </Suspense>
    ),
  },
];

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
            {TABS.map(({ value, label }) => (
              <Tabs.Tab key={value} value={value}>
                {label}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {TABS.map(({ value, show }) => (
            <Tabs.Panel key={value} value={value} pt="md">
              {show(current, instance.reload)}
            </Tabs.Panel>
          ))}
        </Tabs>
      )}
    </Stack>
  );
}
