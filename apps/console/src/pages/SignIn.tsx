import { useState } from 'react';
import { Button, Center, Paper, PasswordInput, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { api, data } from '../api/client';
import { ErrorAlert } from '../components/common';
import { useAction } from '../hooks';
import { clearSession, saveSession, type Session, type SessionKind } from '../session';

/** Sign in with a tenant API key or the operator token; it is kept in sessionStorage (this tab only). */
export function SignIn({ onSignedIn }: { onSignedIn(session: Session): void }) {
  const [kind, setKind] = useState<SessionKind>('tenant');
  const [token, setToken] = useState('');
  const action = useAction();

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const session: Session = { kind, token: token.trim() };
    saveSession(session);
    const ok = await action.run(async () => {
      // A cheap call that the token must pass: the tenant's instances, or the operator's nodes.
      if (kind === 'tenant') await data(api.GET('/v1/instances', { params: { query: { limit: 1 } } }));
      else await data(api.GET('/v1/ops/nodes'));
      return true;
    });
    if (ok) onSignedIn(session);
    else clearSession();
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%" component="form" onSubmit={submit} aria-label="Sign in">
        <Stack>
          <Title order={2}>MQC console</Title>
          <SegmentedControl
            value={kind}
            onChange={(value) => setKind(value as SessionKind)}
            data={[
              { label: 'Tenant API key', value: 'tenant' },
              { label: 'Operator token', value: 'operator' },
            ]}
            aria-label="Sign in as"
          />
          <PasswordInput
            label={kind === 'tenant' ? 'API key' : 'Operator token'}
            placeholder={kind === 'tenant' ? 'mqc_…' : ''}
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            required
            autoFocus
          />
          <Text size="xs" c="dimmed">
            Kept for this browser tab only (sessionStorage).
          </Text>
          <ErrorAlert error={action.error} title="Sign-in failed" />
          <Button type="submit" loading={action.busy}>
            Sign in
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
