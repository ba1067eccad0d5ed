import { useState, type ReactNode } from 'react';
import { Button, FileButton, Group, List, Paper, SegmentedControl, Stack, Text, Textarea, Title } from '@mantine/core';
import { call } from '../api/client';
import { ProblemError } from '../api/problem';
import { ErrorAlert } from './common';
import { useAction } from '../hooks';

/** Paste or pick a CSV or JSON file and post it to an import route; a refusal lists its lines. */
export function ImportBox({ title, path, csvHint, extra, onImported }: { title: string; path: string; csvHint: string; extra?: ReactNode; onImported(imported: number): void }) {
  const [format, setFormat] = useState<'csv' | 'json'>('csv');
  const [text, setText] = useState('');
  const [done, setDone] = useState<number>();
  const action = useAction();
  const lines = action.error instanceof ProblemError ? (action.error.problem.errors ?? []) : [];
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const answer = await action.run(() => call<{ imported: number }>('POST', path, { text, contentType: format === 'csv' ? 'text/csv' : 'application/json' }));
    if (answer) {
      setDone(answer.imported);
      onImported(answer.imported);
    }
  };
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label={title}>
      <Stack gap="xs">
        <Title order={3}>{title}</Title>
        <Group>
          <SegmentedControl size="xs" value={format} onChange={(v) => setFormat(v as 'csv' | 'json')} data={[{ label: 'CSV', value: 'csv' }, { label: 'JSON', value: 'json' }]} aria-label="Format" />
          {extra}
          <FileButton onChange={(file) => file?.text().then((content) => (setText(content), setFormat(file.name.endsWith('.json') ? 'json' : 'csv')))} accept=".csv,.json,text/csv,application/json">
            {(props) => (
              <Button {...props} size="xs" variant="default">
                Choose a file…
              </Button>
            )}
          </FileButton>
        </Group>
        <Textarea label={format === 'csv' ? 'CSV' : 'JSON array'} description={format === 'csv' ? csvHint : undefined} value={text} onChange={(e) => setText(e.currentTarget.value)} autosize minRows={3} maxRows={12} styles={{ input: { fontFamily: 'monospace' } }} />
        <ErrorAlert error={action.error} title="Nothing was imported" />
        {lines.length > 0 && (
          <List size="sm" aria-label="Import errors">
            {lines.map((e, i) => (
              <List.Item key={i}>
                {e.line !== undefined ? `line ${e.line}: ` : ''}
                {e.field}: {e.message}
              </List.Item>
            ))}
          </List>
        )}
        {done !== undefined && <Text c="teal.9">{done} imported.</Text>}
        <Group>
          <Button type="submit" size="xs" loading={action.busy} disabled={!text.trim()}>
            Import
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
