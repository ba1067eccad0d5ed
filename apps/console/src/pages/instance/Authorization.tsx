import { useState } from 'react';
import { Badge, Button, Checkbox, Code, Group, NativeSelect, Paper, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { api, call, data } from '../../api/client';
import { configSchemasOf } from '../../api/openapi-schemas';
import type { AclRule, Authorizer, CheckAnswer, Instance } from '../../api/types';
import { ErrorAlert } from '../../components/common';
import { ImportBox } from '../../components/ImportBox';
import { OrderedList } from '../../components/OrderedList';
import { SchemaForm } from '../../components/SchemaForm';
import { useAction, useLoad } from '../../hooks';

export function Authorization({ instance }: { instance: Instance }) {
  const id = instance.id;
  const rules = useLoad(() => data(api.GET('/v1/instances/{id}/acl-rules', { params: { path: { id }, query: { limit: 1000 } } })), [id]);
  const [decidingRule, setDecidingRule] = useState<string>();
  return (
    <Stack>
      <Authorizers instanceId={id} />
      <Rules instanceId={id} rules={rules.data?.items ?? []} error={rules.error} onChanged={rules.reload} decidingRule={decidingRule} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <CheckBox instanceId={id} onAnswer={(answer) => setDecidingRule(answer?.by?.ruleId)} />
        <ImportBox title="Import rules" path={`/v1/instances/${id}/acl-rules/import`} csvHint="header: permission,action,topic,qos,retain,clientId,username (qos as 0|1)" onImported={rules.reload} />
      </SimpleGrid>
    </Stack>
  );
}

function Authorizers({ instanceId: id }: { instanceId: string }) {
  const chain = useLoad(() => data(api.GET('/v1/instances/{id}/authorizers', { params: { path: { id } } })), [id]);
  const schemas = useLoad(() => configSchemasOf('/v1/instances/{id}/authorizers'), []);
  const action = useAction();
  const [type, setType] = useState('built-in-database');
  const [config, setConfig] = useState<Record<string, unknown>>({});
  const items = [...(chain.data?.items ?? [])].sort((a, b) => a.position - b.position);
  const after = <T,>(p: Promise<T>) => p.then(chain.reload);
  const add = (event: React.FormEvent) => {
    event.preventDefault();
    void after(action.run(() => call('POST', `/v1/instances/${id}/authorizers`, { body: { type, config } })));
  };
  const row = (a: Authorizer) => (
    <Group justify="space-between" wrap="wrap">
      <Group gap="xs">
        <Text fw={600}>{a.type}</Text>
        <Text size="xs" c="dimmed">
          {a.metrics.allow} allowed · {a.metrics.deny} denied · {a.metrics.noMatch} no match
        </Text>
      </Group>
      <Group gap="xs">
        <Switch label="Enabled" checked={a.enabled} onChange={(e) => after(action.run(() => call('PATCH', `/v1/instances/${id}/authorizers/${a.id}`, { body: { enabled: e.currentTarget.checked } })))} />
        <Button size="xs" color="red" variant="light" onClick={() => after(action.run(() => call('DELETE', `/v1/instances/${id}/authorizers/${a.id}`)))} aria-label={`Delete authorizer ${a.type}`}>
          Delete
        </Button>
      </Group>
    </Group>
  );
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3}>Authorizers</Title>
        <OrderedList items={items} label={(a) => a.type} onReorder={(ids) => after(action.run(() => call('PUT', `/v1/instances/${id}/authorizers/order`, { body: { ids } })))} render={row} />
        <Stack component="form" onSubmit={add} gap="xs" aria-label="Add an authorizer">
          <NativeSelect label="Add an authorizer" data={[...(schemas.data?.keys() ?? [])]} value={type} onChange={(e) => (setType(e.currentTarget.value), setConfig({}))} maw={320} />
          {schemas.data?.get(type) && <SchemaForm key={type} schema={schemas.data.get(type)!} value={config} onChange={setConfig} errorOf={action.field} path="config" />}
          <Group>
            <Button type="submit" size="xs" loading={action.busy}>
              Add
            </Button>
          </Group>
        </Stack>
        <ErrorAlert error={chain.error ?? action.error} />
      </Stack>
    </Paper>
  );
}

type RuleInput = Pick<AclRule, 'permission' | 'action' | 'topic'> & { clientId?: string; username?: string };

function Rules({ instanceId: id, rules, error, onChanged, decidingRule }: { instanceId: string; rules: AclRule[]; error: unknown; onChanged(): void; decidingRule?: string }) {
  const action = useAction();
  const items = [...rules].sort((a, b) => a.position - b.position);
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={3}>Rules</Title>
        <Text size="sm" c="dimmed">
          The built-in authorizer&apos;s rules, first match wins; in a topic, <Code>%c</Code> and <Code>%u</Code> stand for the client id and the user name.
        </Text>
        <OrderedList
          items={items}
          label={(r) => `rule ${r.topic}`}
          onReorder={(ids) => action.run(() => call('PUT', `/v1/instances/${id}/acl-rules/order`, { body: { ids } })).then(onChanged)}
          render={(rule) => <RuleEditor key={rule.id + rule.updatedAt} instanceId={id} rule={rule} onChanged={onChanged} decided={rule.id === decidingRule} />}
        />
        <RuleEditor instanceId={id} onChanged={onChanged} />
        <ErrorAlert error={error ?? action.error} />
      </Stack>
    </Paper>
  );
}

/** One rule's fields in a row: saves an existing rule (PATCH) or adds a new one (POST). */
function RuleEditor({ instanceId, rule, onChanged, decided = false }: { instanceId: string; rule?: AclRule; onChanged(): void; decided?: boolean }) {
  const blank: RuleInput = { permission: 'allow', action: 'publish', topic: '' };
  const [form, setForm] = useState<RuleInput>(rule ? { permission: rule.permission, action: rule.action, topic: rule.topic, clientId: rule.clientId, username: rule.username } : blank);
  const action = useAction();
  const label = rule ? `rule ${rule.topic}` : 'new rule';
  const body = { permission: form.permission, action: form.action, topic: form.topic, ...(form.clientId ? { clientId: form.clientId } : {}), ...(form.username ? { username: form.username } : {}) };
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const saved = await action.run(() => (rule ? call('PATCH', `/v1/instances/${instanceId}/acl-rules/${rule.id}`, { body }) : call('POST', `/v1/instances/${instanceId}/acl-rules`, { body })));
    if (saved) {
      if (!rule) setForm(blank);
      onChanged();
    }
  };
  return (
    <Stack component="form" onSubmit={submit} gap={4} aria-label={rule ? `Edit ${label}` : 'Add a rule'}>
      <Group align="flex-end" gap="xs" wrap="wrap">
        <NativeSelect label="Permission" aria-label={`Permission of ${label}`} data={['allow', 'deny']} value={form.permission} onChange={(e) => setForm({ ...form, permission: e.currentTarget.value as RuleInput['permission'] })} size="xs" />
        <NativeSelect label="Action" aria-label={`Action of ${label}`} data={['publish', 'subscribe', 'all']} value={form.action} onChange={(e) => setForm({ ...form, action: e.currentTarget.value as RuleInput['action'] })} size="xs" />
        <TextInput label="Topic" aria-label={`Topic of ${label}`} value={form.topic} onChange={(e) => setForm({ ...form, topic: e.currentTarget.value })} required error={action.field('topic')} size="xs" />
        <TextInput label="Client id" value={form.clientId ?? ''} onChange={(e) => setForm({ ...form, clientId: e.currentTarget.value })} error={action.field('clientId')} size="xs" w={120} />
        <TextInput label="User name" value={form.username ?? ''} onChange={(e) => setForm({ ...form, username: e.currentTarget.value })} error={action.field('username')} size="xs" w={120} />
        <Button type="submit" size="xs" loading={action.busy} variant={rule ? 'default' : 'filled'}>
          {rule ? 'Save' : 'Add the rule'}
        </Button>
        {decided && (
          <Badge color="teal" tt="none" mb={6}>
            decided the check
          </Badge>
        )}
        {rule && (
          <Button size="xs" color="red" variant="subtle" onClick={() => action.run(() => call('DELETE', `/v1/instances/${instanceId}/acl-rules/${rule.id}`)).then(onChanged)} aria-label={`Delete ${label}`}>
            Delete
          </Button>
        )}
      </Group>
      {action.message && !action.field('topic') && (
        <Text size="xs" c="red.9" role="alert">
          {action.message}
        </Text>
      )}
    </Stack>
  );
}

/** "May client X publish to topic T?": the decision and the rule that made it. */
function CheckBox({ instanceId, onAnswer }: { instanceId: string; onAnswer(answer: CheckAnswer | undefined): void }) {
  const [form, setForm] = useState({ clientId: '', username: '', action: 'publish' as 'publish' | 'subscribe', topic: '', retain: false });
  const [answer, setAnswer] = useState<CheckAnswer>();
  const action = useAction();
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const body = { clientId: form.clientId, action: form.action, topic: form.topic, retain: form.retain, ...(form.username ? { username: form.username } : {}) };
    const answered = await action.run(() => data(api.POST('/v1/instances/{id}/authorization/check', { params: { path: { id: instanceId } }, body })));
    setAnswer(answered);
    onAnswer(answered);
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Check an action">
      <Stack gap="xs">
        <Title order={3}>Check</Title>
        <SimpleGrid cols={2}>
          <TextInput label="Client id" value={form.clientId} onChange={(e) => setForm({ ...form, clientId: e.currentTarget.value })} required error={action.field('clientId')} />
          <TextInput label="User name" value={form.username} onChange={(e) => setForm({ ...form, username: e.currentTarget.value })} error={action.field('username')} />
          <NativeSelect label="Action" data={['publish', 'subscribe']} value={form.action} onChange={(e) => setForm({ ...form, action: e.currentTarget.value as 'publish' | 'subscribe' })} />
          <TextInput label="Topic" value={form.topic} onChange={(e) => setForm({ ...form, topic: e.currentTarget.value })} required error={action.field('topic')} />
        </SimpleGrid>
        <Checkbox label="Retain" checked={form.retain} onChange={(e) => setForm({ ...form, retain: e.currentTarget.checked })} />
        <ErrorAlert error={action.error} />
        {answer && (
          <Stack gap={4} role="status" aria-label="Decision">
            <Group gap="xs">
              <Badge size="lg" variant="filled" color={answer.decision === 'allow' ? 'teal.9' : 'red.9'} data-testid="decision">
                {answer.decision}
              </Badge>
              <Text size="sm">{answer.reason}</Text>
            </Group>
            {answer.by && (
              <Code>
                {answer.by.type}
                {answer.by.ruleId ? ` rule ${answer.by.ruleId}` : ''}
              </Code>
            )}
          </Stack>
        )}
        <Group>
          <Button type="submit" loading={action.busy}>
            Check
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
