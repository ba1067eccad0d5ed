import { useEffect, useState } from 'react';
import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Group, Loader, Paper, SegmentedControl, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { operations, type Metrics, type MetricsPoint } from '../../api/operations';
import { NotYetServed } from '../../components/common';
import { useLoad } from '../../hooks';

const REFRESH_MS = 5_000;
const RANGES = { hour: { ms: 3_600_000, step: '10s' }, month: { ms: 30 * 86_400_000, step: '6h' } } as const;
type Range = keyof typeof RANGES;

interface Row {
  time: string;
  connections: number;
  received: number;
  sent: number;
  authAllow: number;
  authDeny: number;
  aclAllow: number;
  aclDeny: number;
  [dropReason: string]: number | string;
}

function rowOf(point: Metrics, at: Date, range: Range): Row {
  const row: Row = {
    time: range === 'hour' ? at.toLocaleTimeString() : at.toLocaleDateString(),
    connections: point.connections,
    received: point.rates?.receivedPerSecond ?? 0,
    sent: point.rates?.sentPerSecond ?? 0,
    authAllow: point.authentication?.allow ?? 0,
    authDeny: point.authentication?.deny ?? 0,
    aclAllow: point.authorization?.allow ?? 0,
    aclDeny: point.authorization?.deny ?? 0,
  };
  for (const [reason, n] of Object.entries(point.messages?.dropped ?? {})) row[`dropped ${reason}`] = n;
  return row;
}

/** Live charts from the metrics API: the history of the range, then a point every few seconds. */
export function MetricsCharts({ instanceId }: { instanceId: string }) {
  const [range, setRange] = useState<Range>('hour');
  const history = useLoad(() => {
    const to = new Date();
    return operations.history(instanceId, new Date(to.getTime() - RANGES[range].ms), to, RANGES[range].step);
  }, [instanceId, range]);
  const current = useLoad(() => operations.metrics(instanceId), [instanceId], REFRESH_MS);
  const [live, setLive] = useState<Row[]>([]);

  useEffect(() => setLive([]), [range, instanceId]);
  useEffect(() => {
    if (current.data && range === 'hour') setLive((rows) => [...rows.slice(-720), rowOf(current.data!, new Date(), range)]);
  }, [current.data, range]);

  const rows = [...(history.data ?? []).map((p: MetricsPoint) => rowOf(p, new Date(p.at), range)), ...live];
  const dropKeys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => k.startsWith('dropped '))))];
  const error = current.error ?? history.error;

  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <Title order={3}>Metrics</Title>
          <SegmentedControl
            size="xs"
            value={range}
            onChange={(value) => setRange(value as Range)}
            data={[
              { label: 'Last hour', value: 'hour' },
              { label: 'Last 30 days', value: 'month' },
            ]}
            aria-label="Range"
          />
        </Group>
        {current.loading ? (
          <Loader size="sm" aria-label="Loading the metrics" />
        ) : error !== undefined && !current.data ? (
          <NotYetServed error={error} what="Metrics" />
        ) : (
          <>
            {current.data && (
              <Text size="sm">
                {current.data.connections} connections · {current.data.rates?.receivedPerSecond ?? 0} msg/s in · {current.data.rates?.sentPerSecond ?? 0} msg/s out
              </Text>
            )}
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Chart title="Connections" rows={rows} series={[{ name: 'connections', color: 'indigo.6' }]} />
              <Chart title="Messages per second" rows={rows} series={[{ name: 'received', color: 'teal.6' }, { name: 'sent', color: 'blue.6' }]} />
              <Chart title="Dropped messages by reason" rows={rows} series={dropKeys.map((name, i) => ({ name, color: ['red.6', 'orange.6', 'yellow.6', 'grape.6'][i % 4]! }))} />
              <Chart
                title="Authentication and authorization"
                rows={rows}
                series={[
                  { name: 'authAllow', label: 'authn allow', color: 'green.6' },
                  { name: 'authDeny', label: 'authn deny', color: 'red.6' },
                  { name: 'aclAllow', label: 'authz allow', color: 'teal.4' },
                  { name: 'aclDeny', label: 'authz deny', color: 'orange.6' },
                ]}
              />
            </SimpleGrid>
          </>
        )}
      </Stack>
    </Paper>
  );
}

function Chart({ title, rows, series }: { title: string; rows: Row[]; series: { name: string; label?: string; color: string }[] }) {
  return (
    <Stack gap={4} aria-label={title} role="figure">
      <Text size="sm" fw={500}>
        {title}
      </Text>
      {series.length === 0 ? <Text size="xs" c="dimmed">None so far.</Text> : <LineChart h={180} data={rows} dataKey="time" series={series} withDots={false} curveType="linear" withLegend />}
    </Stack>
  );
}
