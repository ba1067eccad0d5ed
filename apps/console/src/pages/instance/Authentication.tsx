import { useState } from 'react';
import { Badge, Button, Code, Group, NativeSelect, Paper, PasswordInput, SimpleGrid, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import { api, call, data } from '../../api/client';
import { configSchemasOf } from '../../api/openapi-schemas';
import { operations, type AuthenticatorTestAnswer, type AuthenticatorTestBody } from '../../api/operations';
import type { Authenticator, Instance } from '../../api/types';
import { ErrorAlert } from '../../components/common';
import { OrderedList } from '../../components/OrderedList';
import { SchemaForm } from '../../components/SchemaForm';
import { useAction, useLoad } from '../../hooks';
import { AccessPolicy } from './AccessPolicy';

const PATH = '/v1/instances/{id}/authenticators';

export function Authentication({ instance, onChanged }: { instance: Instance; onChanged(): void }) {
  const id = instance.id;
  const chain = useLoad(() => data(api.GET(PATH, { params: { path: { id } } })), [id], 10_000);
  const action = useAction();
  const items = [...(chain.data?.items ?? [])].sort((a, b) => a.position - b.position);

  const reorder = (ids: string[]) => action.run(() => data(api.PUT('/v1/instances/{id}/authenticators/order', { params: { path: { id } }, body: { ids } }))).then(chain.reload);
  const setEnabled = (a: Authenticator, enabled: boolean) =>
    action.run(() => data(api.PATCH('/v1/instances/{id}/authenticators/{aid}', { params: { path: { id, aid: a.id } }, body: { enabled } }))).then(chain.reload);
  const remove = (a: Authenticator) => action.run(() => call('DELETE', `/v1/instances/${id}/authenticators/${a.id}`)).then(chain.reload);

  return (
    <Stack>
      <Paper withBorder p="md">
        <Stack>
          <Title order={3}>The authentication chain</Title>
          <Text size="sm" c="dimmed">
            Asked in order until one allows or denies; drag a row (or use ↑ ↓) to reorder.
          </Text>
          <ErrorAlert error={chain.error ?? action.error} />
          {items.length === 0 && <Text>No authenticator yet: only the access policy decides.</Text>}
          <OrderedList
            items={items}
            onReorder={reorder}
            label={(a) => a.type}
            render={(a) => <AuthenticatorRow authenticator={a} instanceId={id} onEnabled={(on) => setEnabled(a, on)} onDelete={() => remove(a)} onSaved={chain.reload} />}
          />
        </Stack>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <AddAuthenticator instanceId={id} onAdded={chain.reload} />
        <TestBox instanceId={id} authenticators={items} />
      </SimpleGrid>
      <AccessPolicy instance={instance} onChanged={onChanged} />
    </Stack>
  );
}

function AuthenticatorRow({ authenticator: a, instanceId, onEnabled, onDelete, onSaved }: { authenticator: Authenticator; instanceId: string; onEnabled(on: boolean): void; onDelete(): void; onSaved(): void }) {
  const [editing, setEditing] = useState(false);
  const m = a.metrics;
  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          <Text fw={600}>{a.type}</Text>
          {!a.enabled && <Badge color="gray">disabled</Badge>}
        </Group>
        <Group gap="xs">
          <Switch label="Enabled" checked={a.enabled} onChange={(e) => onEnabled(e.currentTarget.checked)} aria-label={`Enable ${a.type}`} />
          <Button size="xs" variant="default" onClick={() => setEditing((on) => !on)}>
            {editing ? 'Close' : 'Edit'}
          </Button>
          <Button size="xs" color="red" variant="light" onClick={onDelete} aria-label={`Delete ${a.type}`}>
            Delete
          </Button>
        </Group>
      </Group>
      <Text size="xs" c="dimmed">
        {m.total} attempts · {m.allow} allowed · {m.deny} denied · {m.ignore} passed on · {m.error} errors · {m.latencyMsAvg.toFixed(1)} ms avg
      </Text>
      {editing ? <EditAuthenticator instanceId={instanceId} authenticator={a} onSaved={() => (setEditing(false), onSaved())} /> : <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{JSON.stringify(a.config, null, 2)}</Code>}
    </Stack>
  );
}

function EditAuthenticator({ instanceId, authenticator, onSaved }: { instanceId: string; authenticator: Authenticator; onSaved(): void }) {
  const schemas = useLoad(() => configSchemasOf(PATH), []);
  const [config, setConfig] = useState<Record<string, unknown>>(authenticator.config);
  const action = useAction();
  const schema = schemas.data?.get(authenticator.type);
  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    const saved = await action.run(() => data(api.PATCH('/v1/instances/{id}/authenticators/{aid}', { params: { path: { id: instanceId, aid: authenticator.id } }, body: { config } })));
    if (saved) onSaved();
  };
  return (
    <Stack component="form" onSubmit={save} gap="xs" aria-label={`Edit ${authenticator.type}`}>
      {schema && <SchemaForm schema={schema} value={config} onChange={setConfig} errorOf={action.field} path="config" />}
      <ErrorAlert error={action.error} />
      <Group>
        <Button type="submit" size="xs" loading={action.busy}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}

function AddAuthenticator({ instanceId, onAdded }: { instanceId: string; onAdded(): void }) {
  const schemas = useLoad(() => configSchemasOf(PATH), []);
  const [type, setType] = useState('built-in-database');
  const [config, setConfig] = useState<Record<string, unknown>>({});
  const action = useAction();
  const schema = schemas.data?.get(type);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const added = await action.run(() => call('POST', `/v1/instances/${instanceId}/authenticators`, { body: { type, config } }));
    if (added) {
      setConfig({});
      onAdded();
    }
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Add an authenticator">
      <Stack gap="xs">
        <Title order={3}>Add an authenticator</Title>
        <NativeSelect label="Type" data={[...(schemas.data?.keys() ?? [])]} value={type} onChange={(e) => (setType(e.currentTarget.value), setConfig({}), action.clear())} error={action.field('type')} />
        {schema && <SchemaForm key={type} schema={schema} value={config} onChange={setConfig} errorOf={action.field} path="config" />}
        <ErrorAlert error={schemas.error ?? action.error} />
        <Group>
          <Button type="submit" loading={action.busy}>
            Add
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

const DECISION_COLORS: Record<AuthenticatorTestAnswer['decision'], string> = { allow: 'green', deny: 'red', ignore: 'gray', error: 'orange', continue: 'blue' };

/** Credentials tried against one authenticator alone (issue 15's dry run). */
function TestBox({ instanceId, authenticators }: { instanceId: string; authenticators: Authenticator[] }) {
  const [authenticatorId, setAuthenticatorId] = useState('');
  const [form, setForm] = useState({ clientId: '', username: '', password: '', certificate: '' });
  const action = useAction();
  const [answer, setAnswer] = useState<AuthenticatorTestAnswer>();
  const chosen = authenticatorId || authenticators[0]?.id || '';
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setAnswer(undefined);
    const body = Object.fromEntries(Object.entries(form).filter(([, v]) => v !== '')) as AuthenticatorTestBody;
    setAnswer(await action.run(() => operations.testAuthenticator(instanceId, chosen, body)));
  };
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm({ ...form, [key]: e.currentTarget.value });
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Test credentials">
      <Stack gap="xs">
        <Title order={3}>Test credentials</Title>
        <NativeSelect label="Authenticator" data={authenticators.map((a) => ({ value: a.id, label: `${a.position + 1}. ${a.type}` }))} value={chosen} onChange={(e) => setAuthenticatorId(e.currentTarget.value)} />
        <TextInput label="Client id" value={form.clientId} onChange={set('clientId')} required error={action.field('clientId')} />
        <TextInput label="User name" value={form.username} onChange={set('username')} error={action.field('username')} />
        <PasswordInput label="Password" value={form.password} onChange={set('password')} error={action.field('password')} />
        <Textarea label="Client certificate (PEM)" value={form.certificate} onChange={set('certificate')} autosize minRows={1} error={action.field('certificate')} />
        <ErrorAlert error={action.error} />
        {answer && (
          <Stack gap={4} role="status" aria-label="Answer">
            <Group gap="xs">
              <Badge color={DECISION_COLORS[answer.decision]} data-testid="test-decision" tt="none">
                {answer.decision}
              </Badge>
              <Text size="sm">{answer.reason ?? (answer.superuser ? 'superuser' : '')}</Text>
              <Text size="xs" c="dimmed">
                {answer.elapsedMs} ms
              </Text>
            </Group>
            <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {JSON.stringify(answer, null, 2)}
            </Code>
          </Stack>
        )}
        <Group>
          <Button type="submit" loading={action.busy} disabled={!chosen}>
            Test
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
