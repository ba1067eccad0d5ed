import type { ReactNode } from 'react';
import { Button, Group, Paper, Stack, Title } from '@mantine/core';

interface PanelProps {
  title: string;
  /** Shown at the right of the title (a state, a button). */
  aside?: ReactNode;
  children: ReactNode;
  /** Makes the panel a form, named by `label` or else its title; the page does not reload on submit. */
  onSubmit?(): unknown;
  label?: string;
}

/** A titled card of a page, or a form when it has `onSubmit`. */
export function Panel({ title, aside, children, onSubmit, label }: PanelProps) {
  const heading = <Title order={3}>{title}</Title>;
  const body = (
    <Stack gap="xs">
      {aside ? (
        <Group justify="space-between">
          {heading}
          {aside}
        </Group>
      ) : (
        heading
      )}
      {children}
    </Stack>
  );
  if (!onSubmit) return <Paper withBorder p="md" aria-label={label}>{body}</Paper>;
  return (
    <Paper withBorder p="md" component="form" onSubmit={(e: React.FormEvent) => (e.preventDefault(), onSubmit())} aria-label={label ?? title}>
      {body}
    </Paper>
  );
}

/** The search form above a list: its fields in a row, then the button that applies them. */
export function FilterBar({ label, submit, onApply, children }: { label: string; submit: string; onApply(): unknown; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="form" onSubmit={(e: React.FormEvent) => (e.preventDefault(), onApply())} aria-label={label}>
      <Group align="flex-end" wrap="wrap">
        {children}
        <Button type="submit">{submit}</Button>
      </Group>
    </Paper>
  );
}
