import { useState } from 'react';
import { Button, Checkbox, Code, Group, NativeSelect, NumberInput, Paper, Progress, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { api, call, data } from '../../api/client';
import { ErrorAlert, ShownOnce } from '../../components/common';
import { useAction, useLoad } from '../../hooks';

/** Device keys, PSK identities, the X.509 mode, CA certificates and device certificates. */
export function Credentials({ instanceId }: { instanceId: string }) {
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Devices instanceId={instanceId} />
        <PskIdentities instanceId={instanceId} />
      </SimpleGrid>
      <X509Mode instanceId={instanceId} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <CaCertificates instanceId={instanceId} />
        <DeviceCertificates instanceId={instanceId} />
      </SimpleGrid>
    </Stack>
  );
}

function Devices({ instanceId: id }: { instanceId: string }) {
  const devices = useLoad(() => data(api.GET('/v1/instances/{id}/devices', { params: { path: { id }, query: { limit: 100 } } })), [id]);
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState<unknown>();
  const action = useAction();
  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    const created = await action.run(() => data(api.POST('/v1/instances/{id}/devices', { params: { path: { id } }, body: { clientId } })));
    if (created) {
      setSecret(created);
      setClientId('');
      devices.reload();
    }
  };
  const regenerate = (device: string) =>
    action.run(() => data(api.POST('/v1/instances/{id}/devices/{clientId}/keys/regenerate', { params: { path: { id, clientId: device } }, body: { key: 'primary' } }))).then((d) => d && setSecret(d));
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3}>Devices</Title>
        {secret !== undefined && <ShownOnce value={secret} onDismiss={() => setSecret(undefined)} />}
        <Table aria-label="Devices">
          <Table.Tbody>
            {devices.data?.items.map((d) => (
              <Table.Tr key={d.clientId}>
                <Table.Td>{d.clientId}</Table.Td>
                <Table.Td>{d.status}</Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end">
                    <Button size="xs" variant="subtle" onClick={() => regenerate(d.clientId)}>
                      Regenerate the key
                    </Button>
                    <Button size="xs" variant="subtle" color="red" onClick={() => action.run(() => call('DELETE', `/v1/instances/${id}/devices/${encodeURIComponent(d.clientId)}`)).then(devices.reload)}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group component="form" onSubmit={add} align="flex-end" aria-label="Add a device">
          <TextInput label="Client id" value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} required error={action.field('clientId')} />
          <Button type="submit" loading={action.busy}>
            Add the device
          </Button>
        </Group>
        <ErrorAlert error={devices.error ?? action.error} />
      </Stack>
    </Paper>
  );
}

function PskIdentities({ instanceId: id }: { instanceId: string }) {
  const identities = useLoad(() => data(api.GET('/v1/instances/{id}/psk-identities', { params: { path: { id }, query: { limit: 100 } } })), [id]);
  const [identity, setIdentity] = useState('');
  const [secret, setSecret] = useState<unknown>();
  const action = useAction();
  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    const created = await action.run(() => data(api.POST('/v1/instances/{id}/psk-identities', { params: { path: { id } }, body: { identity } })));
    if (created) {
      setSecret(created);
      setIdentity('');
      identities.reload();
    }
  };
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3}>PSK identities</Title>
        {secret !== undefined && <ShownOnce value={secret} onDismiss={() => setSecret(undefined)} />}
        <Table aria-label="PSK identities">
          <Table.Tbody>
            {identities.data?.items.map((p) => (
              <Table.Tr key={p.identity}>
                <Table.Td>{p.identity}</Table.Td>
                <Table.Td>
                  <Button size="xs" variant="subtle" color="red" onClick={() => action.run(() => call('DELETE', `/v1/instances/${id}/psk-identities/${encodeURIComponent(p.identity)}`)).then(identities.reload)}>
                    Delete
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group component="form" onSubmit={add} align="flex-end" aria-label="Add a PSK identity">
          <TextInput label="Identity" value={identity} onChange={(e) => setIdentity(e.currentTarget.value)} required error={action.field('identity')} />
          <Button type="submit" loading={action.busy}>
            Add (key generated)
          </Button>
        </Group>
        <ErrorAlert error={identities.error ?? action.error} />
      </Stack>
    </Paper>
  );
}

function X509Mode({ instanceId: id }: { instanceId: string }) {
  const settings = useLoad(() => data(api.GET('/v1/instances/{id}/x509', { params: { path: { id } } })), [id]);
  const action = useAction();
  const [draft, setDraft] = useState<{ mode: 'TLS' | 'mTLS' | 'BYOC'; provisioning: 'API' | 'JITP'; autoActivate: boolean }>();
  const current = draft ?? settings.data;
  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    if (current && (await action.run(() => data(api.PUT('/v1/instances/{id}/x509', { params: { path: { id } }, body: current }))))) settings.reload();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={save} aria-label="X.509 mode">
      <Stack gap="xs">
        <Title order={3}>X.509 mode</Title>
        {current && (
          <Group align="flex-end">
            <NativeSelect label="Mode" data={['TLS', 'mTLS', 'BYOC']} value={current.mode} onChange={(e) => setDraft({ ...current, mode: e.currentTarget.value as 'TLS' })} error={action.field('mode')} />
            <NativeSelect label="Provisioning" data={['API', 'JITP']} value={current.provisioning} onChange={(e) => setDraft({ ...current, provisioning: e.currentTarget.value as 'API' })} />
            <Checkbox label="Activate new certificates" checked={current.autoActivate} onChange={(e) => setDraft({ ...current, autoActivate: e.currentTarget.checked })} mb={8} />
            <Button type="submit" size="xs" loading={action.busy}>
              Save
            </Button>
          </Group>
        )}
        <ErrorAlert error={settings.error ?? action.error} />
      </Stack>
    </Paper>
  );
}

function CaCertificates({ instanceId: id }: { instanceId: string }) {
  const cas = useLoad(() => data(api.GET('/v1/instances/{id}/ca-certificates', { params: { path: { id } } })), [id]);
  const [code, setCode] = useState<string>();
  const [form, setForm] = useState({ certificate: '', verificationCertificate: '' });
  const action = useAction();
  const register = async (event: React.FormEvent) => {
    event.preventDefault();
    if (await action.run(() => data(api.POST('/v1/instances/{id}/ca-certificates', { params: { path: { id } }, body: form })))) {
      setForm({ certificate: '', verificationCertificate: '' });
      cas.reload();
    }
  };
  const newCode = () => action.run(() => data(api.POST('/v1/instances/{id}/ca-certificates/registration-code', { params: { path: { id } } }))).then((c) => c && setCode(c.registrationCode));
  return (
    <Paper withBorder p="md" component="form" onSubmit={register} aria-label="CA certificates">
      <Stack gap="xs">
        <Title order={3}>CA certificates</Title>
        <Table aria-label="CA certificates">
          <Table.Tbody>
            {cas.data?.items.map((ca) => (
              <Table.Tr key={ca.id}>
                <Table.Td>{ca.commonName ?? ca.subject}</Table.Td>
                <Table.Td>{ca.status}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group>
          <Button size="xs" variant="default" onClick={newCode}>
            Get a registration code
          </Button>
          {code && <Code aria-label="Registration code">{code}</Code>}
        </Group>
        <Text size="xs" c="dimmed">
          Sign a verification certificate whose CN is the registration code with the CA&apos;s key, then upload both.
        </Text>
        <Textarea label="CA certificate (PEM)" value={form.certificate} onChange={(e) => setForm({ ...form, certificate: e.currentTarget.value })} autosize minRows={2} error={action.field('certificate')} required />
        <Textarea label="Verification certificate (PEM)" value={form.verificationCertificate} onChange={(e) => setForm({ ...form, verificationCertificate: e.currentTarget.value })} autosize minRows={2} error={action.field('verificationCertificate')} required />
        <ErrorAlert error={cas.error ?? action.error} />
        <Group>
          <Button type="submit" size="xs" loading={action.busy}>
            Register the CA
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

interface JobView {
  status: string;
  total: number;
  done?: number;
  error?: string | null;
}

function DeviceCertificates({ instanceId: id }: { instanceId: string }) {
  const certificates = useLoad(() => data(api.GET('/v1/instances/{id}/device-certificates', { params: { path: { id }, query: { limit: 100 } } })), [id]);
  const [count, setCount] = useState<number>(1);
  const [prefix, setPrefix] = useState('device-');
  const [job, setJob] = useState<{ id: string; view: JobView }>();
  const action = useAction();
  const issue = async (event: React.FormEvent) => {
    event.preventDefault();
    const queued = await action.run(() => data(api.POST('/v1/instances/{id}/device-certificates/issue', { params: { path: { id } }, body: { count, clientIdPrefix: prefix } })));
    if (!queued) return;
    let view: JobView = queued;
    setJob({ id: queued.jobId, view });
    while (view.status === 'QUEUED' || view.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      view = await call<JobView>('GET', `/v1/jobs/${queued.jobId}`);
      setJob({ id: queued.jobId, view });
    }
    certificates.reload();
  };
  const download = async () => {
    const result = await action.run(() => call<unknown>('GET', `/v1/jobs/${job!.id}/result`));
    if (!result) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
    link.download = `certificates-${job!.id}.json`;
    link.click();
  };
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3}>Device certificates</Title>
        <Table aria-label="Device certificates">
          <Table.Tbody>
            {certificates.data?.items.map((c) => (
              <Table.Tr key={c.serialNumber}>
                <Table.Td>{c.clientId}</Table.Td>
                <Table.Td>{c.status}</Table.Td>
                <Table.Td>
                  {c.status !== 'REVOKED' && (
                    <Button size="xs" variant="subtle" color="red" onClick={() => action.run(() => data(api.PATCH('/v1/instances/{id}/device-certificates/{serial}', { params: { path: { id, serial: c.serialNumber } }, body: { status: 'REVOKED' } }))).then(certificates.reload)}>
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group component="form" onSubmit={issue} align="flex-end" aria-label="Issue certificates">
          <NumberInput label="How many" value={count} min={1} max={10_000} onChange={(n) => setCount(Number(n) || 1)} w={110} error={action.field('count')} />
          <TextInput label="Client id prefix" value={prefix} onChange={(e) => setPrefix(e.currentTarget.value)} error={action.field('clientIdPrefix')} />
          <Button type="submit" loading={action.busy}>
            Issue
          </Button>
        </Group>
        {job && (
          <Stack gap={4}>
            <Text size="sm">
              Job {job.view.status}
              {job.view.error ? `: ${job.view.error}` : ''}
            </Text>
            <Progress value={job.view.status === 'SUCCEEDED' ? 100 : job.view.total ? ((job.view.done ?? 0) / job.view.total) * 100 : 0} aria-label="Job progress" />
            {job.view.status === 'SUCCEEDED' && (
              <Group>
                <Button size="xs" variant="light" onClick={download}>
                  Download the bundle (keys included, once)
                </Button>
              </Group>
            )}
          </Stack>
        )}
        <ErrorAlert error={certificates.error ?? action.error} />
      </Stack>
    </Paper>
  );
}
