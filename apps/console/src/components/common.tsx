import type { ReactNode } from 'react';
import { ActionIcon, Alert, Badge, Code, CopyButton, Group, Text, Tooltip } from '@mantine/core';
import { messageOf } from '../api/problem';
import { isMissingRoute } from '../hooks';

/** A problem's `detail` (or any error's message), for a form or a page. */
export function ErrorAlert({ error, title = 'The API refused' }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <Alert color="red" title={title} role="alert">
      {messageOf(error)}
    </Alert>
  );
}

/** A page built on an API this control plane may not serve yet (issue 15): says so instead of failing. */
export function NotYetServed({ error, what, children }: { error: unknown; what: string; children?: ReactNode }) {
  if (!isMissingRoute(error)) return <ErrorAlert error={error} />;
  return (
    <Alert color="gray" title={`${what}: not served by this control plane yet`} role="status">
      This page uses the operations API (clients, metrics, events, retained messages); this control plane answers 404 for it. {children}
    </Alert>
  );
}

const STATUS_COLORS: Record<string, string> = { RUNNING: 'green', PROVISIONING: 'blue', UPDATING: 'blue', DELETING: 'orange', DELETED: 'gray', FAILED: 'red' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="light">
      {status}
    </Badge>
  );
}

/** A value in code font with a button that copies it. */
export function CopyValue({ label, value }: { label: string; value: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Text size="sm" fw={500} w={70}>
        {label}
      </Text>
      <Code style={{ overflowWrap: 'anywhere' }}>{value}</Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy'}>
            <ActionIcon variant="subtle" onClick={copy} aria-label={`Copy the ${label} endpoint`}>
              {copied ? '✓' : '⧉'}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
