import { useState } from 'react';
import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Group, Loader, Paper, SegmentedControl, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { operations, type Metrics, type MetricsPoint } from '../../api/operations';
import { ErrorAlert } from '../../components/common';
import { useLoad } from '../../hooks';

const REFRESH_MS = 5_000;
/**
 * The API keeps a point a second for the last hour and a point a minute before it; a step that is not
 * a multiple of 60 is valid only for a range starting within the last hour, so the 10 s step is kept
 * for the last 15 minutes (a browser clock some minutes off still asks within the hour).
 */
const RANGES = { quarter: { ms: 900_000, step: 10 }, hour: { ms: 3_600_000, step: 60 }, month: { ms: 30 * 86_400_000, step: 21_600 } } as const;
type Range = keyof typeof RANGES;

interface Row {
  time: string;
  connections: number;
  received: number;
  sent: number;
  dropped: number;
  authAllow: number;
  authDeny: number;
  aclAllow: number;
  aclDeny: number;
}

/** One history point: gauges at its end, counts during it, rates over its step. */
function rowOf(point: MetricsPoint, range: Range): Row {
  const at = new Date(point.at);
  return {
    time: range === 'month' ? at.toLocaleString() : at.toLocaleTimeString(),
    connections: point.connections,
    received: point.rates.receivedPerSecond,
    sent: point.rates.sentPerSecond,
    dropped: point.messages.dropped,
    authAllow: point.authentication.allow,
    authDeny: point.authentication.deny,
    aclAllow: point.authorization.allow,
    aclDeny: point.authorization.deny,
  };
}

/** Live charts from the metrics history, asked again every few seconds, and the current figures. */
export function MetricsCharts({ instanceId }: { instanceId: string }) {
  const [range, setRange] = useState<Range>('quarter');
  const history = useLoad(() => operations.history(instanceId, new Date(Date.now() - RANGES[range].ms), RANGES[range].step), [instanceId, range], REFRESH_MS);
  const current = useLoad(() => operations.metrics(instanceId), [instanceId], REFRESH_MS);
  const rows = (history.data?.points ?? []).map((point) => rowOf(point, range));
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
              { label: 'Last 15 minutes', value: 'quarter' },
              { label: 'Last hour', value: 'hour' },
              { label: 'Last 30 days', value: 'month' },
            ]}
            aria-label="Range"
          />
        </Group>
        {current.loading || history.loading ? (
          <Loader size="sm" aria-label="Loading the metrics" />
        ) : (
          <>
            <ErrorAlert error={error} />
            {current.data && <Now metrics={current.data} />}
            {history.data && <SimpleGrid cols={{ base: 1, md: 2 }}>
              <Chart title="Connections" rows={rows} series={[{ name: 'connections', color: 'indigo.6' }]} />
              <Chart title="Messages per second" rows={rows} series={[{ name: 'received', color: 'teal.6' }, { name: 'sent', color: 'blue.6' }]} />
              <Chart title="Dropped messages" rows={rows} series={[{ name: 'dropped', color: 'red.6' }]} />
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
            </SimpleGrid>}
          </>
        )}
      </Stack>
    </Paper>
  );
}

/** The figures of the last second or two, and the drops by reason since the instance was created. */
function Now({ metrics }: { metrics: Metrics }) {
  const drops = Object.entries(metrics.messages.dropped);
  return (
    <Text size="sm" data-testid="metrics-now">
      {metrics.connections} connections · {metrics.sessions} sessions · {metrics.subscriptions} subscriptions · {metrics.retained.count} retained · {metrics.rates.receivedPerSecond} msg/s in ·{' '}
      {metrics.rates.sentPerSecond} msg/s out · dropped: {drops.length === 0 ? 'none' : drops.map(([reason, n]) => `${n} ${reason}`).join(', ')}
      {metrics.at === null && ' · no broker node serves it now'}
    </Text>
  );
}

/** A chart, with the highest value of each series in its caption (the figures behind the lines). */
function Chart({ title, rows, series }: { title: string; rows: Row[]; series: { name: keyof Row; label?: string; color: string }[] }) {
  const peaks = series.map((s) => `${s.label ?? s.name} ${Math.max(0, ...rows.map((row) => Number(row[s.name])))}`).join(' · ');
  return (
    <Stack gap={4} aria-label={title} role="figure">
      <Text size="sm" fw={500}>
        {title}
      </Text>
      <LineChart h={180} data={rows} dataKey="time" series={series} withDots={false} curveType="linear" withLegend />
      <Text size="xs" c="dimmed" data-testid="peaks">
        highest: {peaks}
      </Text>
    </Stack>
  );
}
