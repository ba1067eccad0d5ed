import { useState } from 'react';
import { Button, Checkbox, Code, Group, NativeSelect, NumberInput, Progress, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { api, call, data } from '../../api/client';
import { AddByName } from '../../components/AddByName';
import { ErrorAlert, ShownOnce } from '../../components/common';
import { DataTable } from '../../components/DataTable';
import { Panel } from '../../components/Panel';
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
  const [secret, setSecret] = useState<unknown>();
  const action = useAction();
  const regenerate = (device: string) =>
    action.run(() => data(api.POST('/v1/instances/{id}/devices/{clientId}/keys/regenerate', { params: { path: { id, clientId: device } }, body: { key: 'primary' } }))).then((d) => d && setSecret(d));
  const remove = (device: string) => action.run(() => call('DELETE', `/v1/instances/${id}/devices/${encodeURIComponent(device)}`)).then(devices.reload);
  const buttons = (d: { clientId: string }) => (
    <Group gap={4} justify="flex-end">
      <Button size="xs" variant="subtle" onClick={() => regenerate(d.clientId)}>
        Regenerate the key
      </Button>
      <DeleteButton onClick={() => remove(d.clientId)} />
    </Group>
  );
  return (
    <Panel title="Devices">
      {secret !== undefined && <ShownOnce value={secret} onDismiss={() => setSecret(undefined)} />}
      <DataTable label="Devices" rows={devices.data?.items} rowKey={(d) => d.clientId} columns={[{ cell: (d) => d.clientId }, { cell: (d) => d.status }, { cell: buttons }]} />
      <AddByName
        label="Add a device"
        field={{ label: 'Client id', name: 'clientId' }}
        submit="Add the device"
        action={action}
        add={(clientId) => data(api.POST('/v1/instances/{id}/devices', { params: { path: { id } }, body: { clientId } }))}
        onAdded={(created) => (setSecret(created), devices.reload())}
      />
      <ErrorAlert error={devices.error ?? action.error} />
    </Panel>
  );
}

function PskIdentities({ instanceId: id }: { instanceId: string }) {
  const identities = useLoad(() => data(api.GET('/v1/instances/{id}/psk-identities', { params: { path: { id }, query: { limit: 100 } } })), [id]);
  const [secret, setSecret] = useState<unknown>();
  const action = useAction();
  const remove = (identity: string) => action.run(() => call('DELETE', `/v1/instances/${id}/psk-identities/${encodeURIComponent(identity)}`)).then(identities.reload);
  return (
    <Panel title="PSK identities">
      {secret !== undefined && <ShownOnce value={secret} onDismiss={() => setSecret(undefined)} />}
      <DataTable label="PSK identities" rows={identities.data?.items} rowKey={(p) => p.identity} columns={[{ cell: (p) => p.identity }, { cell: (p) => <DeleteButton onClick={() => remove(p.identity)} /> }]} />
      <AddByName
        label="Add a PSK identity"
        field={{ label: 'Identity', name: 'identity' }}
        submit="Add (key generated)"
        action={action}
        add={(identity) => data(api.POST('/v1/instances/{id}/psk-identities', { params: { path: { id } }, body: { identity } }))}
        onAdded={(created) => (setSecret(created), identities.reload())}
      />
      <ErrorAlert error={identities.error ?? action.error} />
    </Panel>
  );
}

function DeleteButton({ onClick, children = 'Delete' }: { onClick(): void; children?: string }) {
  return (
    <Button size="xs" variant="subtle" color="red" onClick={onClick}>
      {children}
    </Button>
  );
}

function X509Mode({ instanceId: id }: { instanceId: string }) {
  const settings = useLoad(() => data(api.GET('/v1/instances/{id}/x509', { params: { path: { id } } })), [id]);
  const action = useAction();
  const [draft, setDraft] = useState<{ mode: 'TLS' | 'mTLS' | 'BYOC'; provisioning: 'API' | 'JITP'; autoActivate: boolean }>();
  const current = draft ?? settings.data;
  const save = async () => {
    if (current && (await action.run(() => data(api.PUT('/v1/instances/{id}/x509', { params: { path: { id } }, body: current }))))) settings.reload();
  };
  return (
    <Panel title="X.509 mode" onSubmit={save}>
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
    </Panel>
  );
}

function CaCertificates({ instanceId: id }: { instanceId: string }) {
  const cas = useLoad(() => data(api.GET('/v1/instances/{id}/ca-certificates', { params: { path: { id } } })), [id]);
  const [code, setCode] = useState<string>();
  const [form, setForm] = useState({ certificate: '', verificationCertificate: '' });
  const action = useAction();
  const register = async () => {
    if (await action.run(() => data(api.POST('/v1/instances/{id}/ca-certificates', { params: { path: { id } }, body: form })))) {
      setForm({ certificate: '', verificationCertificate: '' });
      cas.reload();
    }
  };
  const newCode = () => action.run(() => data(api.POST('/v1/instances/{id}/ca-certificates/registration-code', { params: { path: { id } } }))).then((c) => c && setCode(c.registrationCode));
  return (
    <Panel title="CA certificates" onSubmit={register}>
      <DataTable label="CA certificates" rows={cas.data?.items} rowKey={(ca) => ca.id} columns={[{ cell: (ca) => ca.commonName ?? ca.subject }, { cell: (ca) => ca.status }]} />
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
    </Panel>
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
  const revoke = (serial: string) => action.run(() => data(api.PATCH('/v1/instances/{id}/device-certificates/{serial}', { params: { path: { id, serial } }, body: { status: 'REVOKED' } }))).then(certificates.reload);
  const download = async () => {
    const result = await action.run(() => call<unknown>('GET', `/v1/jobs/${job!.id}/result`));
    if (!result) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
    link.download = `certificates-${job!.id}.json`;
    link.click();
  };
  return (
    <Panel title="Device certificates">
      <DataTable label="Device certificates" rows={certificates.data?.items} rowKey={(c) => c.serialNumber} columns={[{ cell: (c) => c.clientId }, { cell: (c) => c.status }, { cell: (c) => c.status !== 'REVOKED' && <DeleteButton onClick={() => revoke(c.serialNumber)}>Revoke</DeleteButton> }]} />
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
    </Panel>
  );
}
