import { useState } from 'react';
import { Button, Checkbox, Group, Paper, PasswordInput, SegmentedControl, SimpleGrid, Stack, Table, TextInput, Title } from '@mantine/core';
import { api, call, data } from '../../api/client';
import { ErrorAlert } from '../../components/common';
import { ImportBox } from '../../components/ImportBox';
import { useAction, useLoad } from '../../hooks';

/** The built-in database's users: list, add, delete, import. */
export function Users({ instanceId: id }: { instanceId: string }) {
  // A page of 100 at a time: an instance may hold millions.
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const after = pages[pages.length - 1];
  const users = useLoad(() => data(api.GET('/v1/instances/{id}/users', { params: { path: { id }, query: { limit: 100, ...(after ? { after } : {}) } } })), [id, after]);
  const remove = useAction();
  const [importType, setImportType] = useState<'plain' | 'hash'>('plain');
  return (
    <Stack>
      <Paper withBorder>
        <Table.ScrollContainer minWidth={480}>
          <Table striped aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User id</Table.Th>
                <Table.Th>Superuser</Table.Th>
                <Table.Th>Hash</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data?.items.map((u) => (
                <Table.Tr key={u.userId}>
                  <Table.Td>{u.userId}</Table.Td>
                  <Table.Td>{u.isSuperuser ? 'yes' : 'no'}</Table.Td>
                  <Table.Td>{u.algorithm}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="subtle" color="red" aria-label={`Delete ${u.userId}`} onClick={() => remove.run(() => call('DELETE', `/v1/instances/${id}/users/${encodeURIComponent(u.userId)}`)).then(users.reload)}>
                      Delete
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <Group>
        <Button size="xs" variant="default" disabled={pages.length === 1} onClick={() => setPages((p) => p.slice(0, -1))}>
          Previous page
        </Button>
        <Button size="xs" variant="default" disabled={!users.data?.nextCursor} onClick={() => setPages((p) => [...p, users.data!.nextCursor!])}>
          Next page
        </Button>
      </Group>
      <ErrorAlert error={users.error ?? remove.error} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <AddUser instanceId={id} onAdded={users.reload} />
        <ImportBox
          title="Import users"
          path={`/v1/instances/${id}/users/import?type=${importType}`}
          csvHint={importType === 'plain' ? 'header: user_id,password,is_superuser' : 'header: user_id,password_hash,salt,is_superuser'}
          extra={<SegmentedControl size="xs" value={importType} onChange={(v) => setImportType(v as 'plain' | 'hash')} data={['plain', 'hash']} aria-label="Passwords are" />}
          onImported={users.reload}
        />
      </SimpleGrid>
    </Stack>
  );
}

function AddUser({ instanceId, onAdded }: { instanceId: string; onAdded(): void }) {
  const [userId, setUserId] = useState('');
  const [password, setPassword] = useState('');
  const [isSuperuser, setSuperuser] = useState(false);
  const action = useAction();
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const added = await action.run(() => data(api.POST('/v1/instances/{id}/users', { params: { path: { id: instanceId } }, body: { userId, password, isSuperuser } })));
    if (added) {
      setUserId('');
      setPassword('');
      onAdded();
    }
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Add a user">
      <Stack gap="xs">
        <Title order={3}>Add a user</Title>
        <TextInput label="User id" value={userId} onChange={(e) => setUserId(e.currentTarget.value)} required error={action.field('userId')} />
        <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required error={action.field('password')} autoComplete="new-password" />
        <Checkbox label="Superuser" checked={isSuperuser} onChange={(e) => setSuperuser(e.currentTarget.checked)} />
        <ErrorAlert error={action.error} />
        <Group>
          <Button type="submit" loading={action.busy}>
            Add the user
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
