import { ActionIcon, Alert, Badge, Code, CopyButton, Group, Text, Tooltip } from '@mantine/core';
import { messageOf } from '../api/problem';

/** A problem's `detail` (or any error's message), for a form or a page. */
export function ErrorAlert({ error, title = 'The API refused' }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  return (
    <Alert color="red" title={title} role="alert">
      {messageOf(error)}
    </Alert>
  );
}

const STATUS_COLORS: Record<string, string> = { RUNNING: 'green', PROVISIONING: 'blue', UPDATING: 'blue', DELETING: 'orange', DELETED: 'gray', FAILED: 'red' };

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'}>
      {status}
    </Badge>
  );
}

/** A secret the API shows once (a key, a tenant's API key): kept on screen until dismissed. */
export function ShownOnce({ value, title = 'Shown once: copy it now', onDismiss }: { value: unknown; title?: string; onDismiss(): void }) {
  return (
    <Alert color="yellow" title={title} withCloseButton closeButtonLabel="Dismiss" onClose={onDismiss} styles={{ title: { color: 'var(--mantine-color-dark-9)' } }}>
      <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {JSON.stringify(value, null, 2)}
      </Code>
    </Alert>
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
              {copied ? <CheckIcon /> : <CopyIcon />}
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}

const iconProps = { width: 16, height: 16, viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 2, strokeLinecap: 'round', strokeLinejoin: 'round', 'aria-hidden': true } as const;

function CopyIcon() {
  return (
    <svg {...iconProps}>
      <rect x="9" y="9" width="12" height="12" rx="2" />
      <path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />
    </svg>
  );
}

function CheckIcon() {
  return (
    <svg {...iconProps}>
      <path d="M20 6 9 17l-5-5" />
    </svg>
  );
}
