import { useState } from 'react';
import { Checkbox, Fieldset, NativeSelect, NumberInput, PasswordInput, Stack, TagsInput, Textarea, TextInput } from '@mantine/core';
import type { JsonSchema } from '../api/openapi-schemas';

type Value = Record<string, unknown>;

interface Props {
  schema: JsonSchema;
  value: Value;
  onChange(value: Value): void;
  /** The API's message for a dotted field path (`config.url`), shown next to the field. */
  errorOf(path: string): string | undefined;
  path: string;
}

const typeOf = (schema: JsonSchema): string | undefined => (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type);
const label = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
const hint = (schema: JsonSchema) => [schema.description, schema.default !== undefined && typeof schema.default !== 'object' ? `default: ${String(schema.default)}` : undefined].filter(Boolean).join(' · ') || undefined;

/**
 * A form generated from a JSON Schema object: text, number, choice and yes/no fields, nested
 * objects as fieldsets, anything else (unions, maps) as JSON. Fields left empty are left out of
 * the value, so the API applies its defaults. Secret fields (writeOnly) are password inputs;
 * a stored secret reads `********` and is sent back as such to keep it.
 */
export function SchemaForm({ schema, value, onChange, errorOf, path }: Props) {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0) return null;
  const set = (key: string, next: unknown) => {
    const copy = { ...value };
    if (next === undefined || next === '') delete copy[key];
    else copy[key] = next;
    onChange(copy);
  };
  return (
    <Stack gap="xs">
      {properties.map(([key, field]) => (
        <Field key={key} name={key} schema={field} value={value[key]} required={schema.required?.includes(key) ?? false} onChange={(next) => set(key, next)} errorOf={errorOf} path={`${path}.${key}`} />
      ))}
    </Stack>
  );
}

interface FieldProps {
  name: string;
  schema: JsonSchema;
  value: unknown;
  required: boolean;
  onChange(value: unknown): void;
  errorOf(path: string): string | undefined;
  path: string;
}

function Field({ name, schema, value, required, onChange, errorOf, path }: FieldProps) {
  const common = { label: label(name), description: hint(schema), required, error: errorOf(path) };
  const type = typeOf(schema);
  if (schema.enum) {
    const options = schema.enum.map(String);
    return <NativeSelect {...common} data={required ? options : ['', ...options]} value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.currentTarget.value || undefined)} />;
  }
  if (type === 'string') {
    if (schema.writeOnly) return <PasswordInput {...common} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} autoComplete="off" />;
    if ((schema.maxLength ?? 0) > 4096) return <Textarea {...common} autosize minRows={2} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} />;
    return <TextInput {...common} value={(value as string) ?? ''} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
  if (type === 'integer' || type === 'number') {
    return <NumberInput {...common} value={(value as number) ?? ''} min={schema.minimum} max={schema.maximum} allowDecimal={type === 'number'} onChange={(n) => onChange(n === '' ? undefined : Number(n))} />;
  }
  if (type === 'boolean') {
    const checked = (value as boolean | undefined) ?? (schema.default as boolean | undefined) ?? false;
    return <Checkbox label={common.label} description={common.description} error={common.error} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />;
  }
  if (type === 'array' && typeOf(schema.items ?? {}) === 'string') {
    return <TagsInput {...common} value={(value as string[]) ?? []} onChange={(next) => onChange(next.length ? next : undefined)} />;
  }
  if (type === 'object' && schema.properties && Object.keys(schema.properties).length > 0 && !schema.oneOf) {
    return (
      <Fieldset legend={common.label}>
        <SchemaForm schema={schema} value={(value as Value) ?? {}} onChange={(next) => onChange(Object.keys(next).length ? next : undefined)} errorOf={errorOf} path={path} />
      </Fieldset>
    );
  }
  return <JsonField {...common} value={value} onChange={onChange} example={schema.default} />;
}

/** A field whose schema the form does not draw (unions, maps): edited as JSON. */
function JsonField({ value, onChange, example, ...common }: { label: string; description?: string; required: boolean; error?: string; value: unknown; onChange(value: unknown): void; example: unknown }) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [invalid, setInvalid] = useState<string>();
  return (
    <Textarea
      {...common}
      description={[common.description, 'JSON'].filter(Boolean).join(' · ')}
      placeholder={example === undefined ? undefined : JSON.stringify(example)}
      autosize
      minRows={2}
      value={text}
      error={invalid ?? common.error}
      onChange={(e) => {
        const next = e.currentTarget.value;
        setText(next);
        if (next.trim() === '') return (setInvalid(undefined), onChange(undefined));
        try {
          onChange(JSON.parse(next));
          setInvalid(undefined);
        } catch {
          setInvalid('not valid JSON');
        }
      }}
    />
  );
}
