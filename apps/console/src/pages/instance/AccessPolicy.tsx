import { useState } from 'react';
import { Button, Group, NativeSelect, Paper, SimpleGrid, Stack, Title } from '@mantine/core';
import { api, data } from '../../api/client';
import type { Instance } from '../../api/types';
import { ErrorAlert } from '../../components/common';
import { useAction } from '../../hooks';

type Policy = Instance['accessPolicy'];

/** What happens when no authenticator decides, when a backend fails, and when no rule matches. */
export function AccessPolicy({ instance, onChanged }: { instance: Instance; onChanged(): void }) {
  const [policy, setPolicy] = useState<Policy>(instance.accessPolicy);
  const action = useAction();
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (await action.run(() => data(api.PUT('/v1/instances/{id}/access-policy', { params: { path: { id: instance.id } }, body: policy })))) onChanged();
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Access policy">
      <Stack gap="xs">
        <Title order={3}>Access policy</Title>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <NativeSelect label="No authenticator decides" data={['allow', 'deny', 'quick_deny']} value={policy.anonymous} onChange={(e) => setPolicy({ ...policy, anonymous: e.currentTarget.value as Policy['anonymous'] })} error={action.field('anonymous')} />
          <NativeSelect label="A backend fails" data={['ignore', 'deny']} value={policy.onBackendFailure} onChange={(e) => setPolicy({ ...policy, onBackendFailure: e.currentTarget.value as Policy['onBackendFailure'] })} error={action.field('onBackendFailure')} />
          <NativeSelect
            label="No authorization rule matches"
            data={['allow', 'deny']}
            value={policy.authorization.noMatch}
            onChange={(e) => setPolicy({ ...policy, authorization: { ...policy.authorization, noMatch: e.currentTarget.value as Policy['authorization']['noMatch'] } })}
          />
          <NativeSelect
            label="A denied action"
            data={['ignore', 'disconnect']}
            value={policy.authorization.denyAction}
            onChange={(e) => setPolicy({ ...policy, authorization: { ...policy.authorization, denyAction: e.currentTarget.value as Policy['authorization']['denyAction'] } })}
          />
        </SimpleGrid>
        <ErrorAlert error={action.error} />
        <Group>
          <Button type="submit" size="xs" loading={action.busy}>
            Save the policy
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
