import { useState } from 'react';
import { Button, Checkbox, Group, PasswordInput, SegmentedControl, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { api, call, data } from '../../api/client';
import type { User } from '../../api/types';
import { ErrorAlert } from '../../components/common';
import { ListTable, Pager, type Column } from '../../components/DataTable';
import { ImportBox } from '../../components/ImportBox';
import { Panel } from '../../components/Panel';
import { useAction, usePages } from '../../hooks';

const COLUMNS: Column<User>[] = [
  { header: 'User id', cell: (u) => u.userId },
  { header: 'Superuser', cell: (u) => (u.isSuperuser ? 'yes' : 'no') },
  { header: 'Hash', cell: (u) => u.algorithm },
];

/** The built-in database's users: list, add, delete, import. */
export function Users({ instanceId: id }: { instanceId: string }) {
  // A page of 100 at a time: an instance may hold millions.
  const users = usePages((after) => data(api.GET('/v1/instances/{id}/users', { params: { path: { id }, query: { limit: 100, ...(after ? { after } : {}) } } })), [id]);
  const remove = useAction();
  const [importType, setImportType] = useState<'plain' | 'hash'>('plain');
  const deleteButton = (u: User) => (
    <Button size="xs" variant="subtle" color="red" aria-label={`Delete ${u.userId}`} onClick={() => remove.run(() => call('DELETE', `/v1/instances/${id}/users/${encodeURIComponent(u.userId)}`)).then(users.reload)}>
      Delete
    </Button>
  );
  return (
    <Stack>
      <ListTable label="Users" striped minWidth={480} list={users} rowKey={(u) => u.userId} columns={[...COLUMNS, { cell: deleteButton }]} />
      <Pager pages={users} />
      <ErrorAlert error={remove.error} />
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
  const submit = async () => {
    const added = await action.run(() => data(api.POST('/v1/instances/{id}/users', { params: { path: { id: instanceId } }, body: { userId, password, isSuperuser } })));
    if (added) {
      setUserId('');
      setPassword('');
      onAdded();
    }
  };
  return (
    <Panel title="Add a user" onSubmit={submit}>
      <TextInput label="User id" value={userId} onChange={(e) => setUserId(e.currentTarget.value)} required error={action.field('userId')} />
      <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} required error={action.field('password')} autoComplete="new-password" />
      <Checkbox label="Superuser" checked={isSuperuser} onChange={(e) => setSuperuser(e.currentTarget.checked)} />
      <ErrorAlert error={action.error} />
      <Group>
        <Button type="submit" loading={action.busy}>
          Add the user
        </Button>
      </Group>
    </Panel>
  );
}
