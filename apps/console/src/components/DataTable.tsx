import type { CSSProperties, ReactNode } from 'react';
import { Button, Group, Paper, Table } from '@mantine/core';
import type { Loaded } from '../hooks';
import { ErrorAlert } from './common';

/** One column of a table: its header (none for a row's buttons) and how a row fills its cell. */
export interface Column<T> {
  header?: string;
  cell(row: T): ReactNode;
  style?: CSSProperties;
}

interface DataTableProps<T> {
  /** The table's accessible name. */
  label: string;
  /** Undefined while loading. */
  rows: readonly T[] | undefined;
  rowKey(row: T, index: number): string | number;
  columns: readonly Column<T>[];
  /** Scrolls sideways below this width (px). */
  minWidth?: number;
  /** Shown in one row when the list has loaded empty. */
  empty?: string;
  striped?: boolean;
  highlightOnHover?: boolean;
}

/** A table of rows by columns; a header row when any column has a header. */
export function DataTable<T>({ label, rows, rowKey, columns, minWidth, empty, striped, highlightOnHover }: DataTableProps<T>) {
  const table = (
    <Table aria-label={label} striped={striped} highlightOnHover={highlightOnHover}>
      {columns.some((c) => c.header !== undefined) && (
        <Table.Thead>
          <Table.Tr>
            {columns.map((c, i) => (
              <Table.Th key={i}>{c.header}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
      )}
      <Table.Tbody>
        {rows?.map((row, i) => (
          <Table.Tr key={rowKey(row, i)}>
            {columns.map((c, j) => (
              <Table.Td key={j} style={c.style}>
                {c.cell(row)}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
        {empty && rows?.length === 0 && (
          <Table.Tr>
            <Table.Td colSpan={columns.length}>{empty}</Table.Td>
          </Table.Tr>
        )}
      </Table.Tbody>
    </Table>
  );
  return minWidth ? <Table.ScrollContainer minWidth={minWidth}>{table}</Table.ScrollContainer> : table;
}

/** A page of a list loaded by useLoad, in a bordered table once loaded; the API's refusal instead. */
export function ListTable<T>({ list, ...table }: { list: Loaded<{ items: T[] }> } & Omit<DataTableProps<T>, 'rows'>) {
  return (
    <>
      <ErrorAlert error={list.error} />
      {list.data && (
        <Paper withBorder>
          <DataTable rows={list.data.items} {...table} />
        </Paper>
      )}
    </>
  );
}

/** Previous and next buttons of a list loaded by usePages. */
export function Pager({ pages }: { pages: { previous: (() => void) | undefined; next: (() => void) | undefined } }) {
  return (
    <Group>
      <Button size="xs" variant="default" disabled={!pages.previous} onClick={pages.previous}>
        Previous page
      </Button>
      <Button size="xs" variant="default" disabled={!pages.next} onClick={pages.next}>
        Next page
      </Button>
    </Group>
  );
}
