import { useState, type ReactNode } from 'react';
import { ActionIcon, Group, Paper, Stack, Text } from '@mantine/core';

interface Props<T extends { id: string }> {
  items: T[];
  /** Called with the ids in their new order (after a drag, or the move buttons). */
  onReorder(ids: string[]): void;
  render(item: T, index: number): ReactNode;
  label(item: T): string;
}

/** A list reordered by dragging a row onto another, or with its ↑ ↓ buttons from the keyboard. */
export function OrderedList<T extends { id: string }>({ items, onReorder, render, label }: Props<T>) {
  const [dragged, setDragged] = useState<string>();
  const move = (from: number, to: number) => {
    if (to < 0 || to >= items.length || from === to) return;
    const ids = items.map((i) => i.id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id!);
    onReorder(ids);
  };
  return (
    <Stack gap="xs" role="list">
      {items.map((item, index) => (
        <Paper
          key={item.id}
          withBorder
          p="xs"
          role="listitem"
          draggable
          data-testid={`row-${item.id}`}
          onDragStart={(e) => (setDragged(item.id), e.dataTransfer.setData('text/plain', item.id))}
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            const from = items.findIndex((i) => i.id === (dragged ?? e.dataTransfer.getData('text/plain')));
            if (from >= 0) move(from, index);
            setDragged(undefined);
          }}
          style={{ cursor: 'grab', opacity: dragged === item.id ? 0.5 : 1 }}
        >
          <Group wrap="nowrap" align="flex-start">
            <Stack gap={0} align="center">
              <Text c="dimmed" aria-hidden>
                ⠿
              </Text>
              <Text size="xs" c="dimmed">
                {index + 1}
              </Text>
            </Stack>
            <div style={{ flex: 1, minWidth: 0 }}>{render(item, index)}</div>
            <Stack gap={2}>
              <ActionIcon variant="subtle" size="sm" onClick={() => move(index, index - 1)} disabled={index === 0} aria-label={`Move ${label(item)} up`}>
                ↑
              </ActionIcon>
              <ActionIcon variant="subtle" size="sm" onClick={() => move(index, index + 1)} disabled={index === items.length - 1} aria-label={`Move ${label(item)} down`}>
                ↓
              </ActionIcon>
            </Stack>
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}
