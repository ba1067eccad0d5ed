import { useState } from 'react';
import { Button, Group, TextInput } from '@mantine/core';
import type { Action } from '../hooks';

interface AddByNameProps<T> {
  /** The form's accessible name. */
  label: string;
  /** The field: its label, and its name in the API's body (where a refusal is shown). */
  field: { label: string; name: string };
  submit: string;
  /** The parent's action: its problem is shown with the parent's list. */
  action: Action;
  add(value: string): Promise<T>;
  onAdded(created: T): void;
}

/** A one-line form that creates a thing from one value (a client id, an identity, a name); emptied once added. */
export function AddByName<T>({ label, field, submit, action, add, onAdded }: AddByNameProps<T>) {
  const [value, setValue] = useState('');
  const onSubmit = async (event: React.FormEvent) => {
    event.preventDefault();
    const created = await action.run(() => add(value));
    if (created) {
      setValue('');
      onAdded(created);
    }
  };
  return (
    <Group component="form" onSubmit={onSubmit} align="flex-end" aria-label={label}>
      <TextInput label={field.label} value={value} onChange={(e) => setValue(e.currentTarget.value)} required error={action.field(field.name)} />
      <Button type="submit" loading={action.busy}>
        {submit}
      </Button>
    </Group>
  );
}
