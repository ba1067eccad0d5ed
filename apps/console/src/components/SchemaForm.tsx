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
/** `userIdType` → "User id type". */
const label = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`).replace(/^./, (c) => c.toUpperCase());
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
  const union = schema.oneOf ?? schema.anyOf;
  const discriminated = union && discriminatorOf(union);
  if (discriminated) return <UnionField {...common} union={discriminated} value={value as Value | undefined} onChange={onChange} errorOf={errorOf} path={path} fallback={schema.default as Value | undefined} />;
  return <JsonField {...common} value={value} onChange={onChange} example={schema.default} />;
}

interface Union {
  key: string;
  /** Each value of the discriminating field, with the variant it picks. */
  choices: { value: string; variant: JsonSchema }[];
}

/** A oneOf of objects told apart by one field (a `const` or an `enum` in each variant), as `passwordHash.name`. */
function discriminatorOf(variants: JsonSchema[]): Union | undefined {
  if (!variants.every((v) => typeOf(v) === 'object' && v.properties)) return undefined;
  const key = Object.keys(variants[0]!.properties!).find((k) => variants.every((v) => v.properties![k]?.const !== undefined || v.properties![k]?.enum));
  if (!key) return undefined;
  const choices = variants.flatMap((variant) => {
    const field = variant.properties![key]!;
    return (field.const !== undefined ? [field.const] : field.enum!).map((value) => ({ value: String(value), variant }));
  });
  return { key, choices };
}

/** A union drawn as a choice of its discriminating field, then the chosen variant's own fields. */
function UnionField({ union, value, onChange, errorOf, path, fallback, ...common }: { label: string; description?: string; required: boolean; error?: string; union: Union; value: Value | undefined; onChange(value: unknown): void; errorOf(path: string): string | undefined; path: string; fallback?: Value }) {
  const chosen = value?.[union.key] === undefined ? undefined : String(value[union.key]);
  const choice = union.choices.find((c) => c.value === chosen);
  const rest: JsonSchema | undefined = choice && { ...choice.variant, properties: Object.fromEntries(Object.entries(choice.variant.properties ?? {}).filter(([k]) => k !== union.key)) };
  const fallbackName = fallback?.[union.key];
  return (
    <Fieldset legend={common.label}>
      <Stack gap="xs">
        <NativeSelect
          label={label(union.key)}
          description={[common.description, fallbackName !== undefined ? `default: ${String(fallbackName)}` : undefined].filter(Boolean).join(' · ') || undefined}
          error={common.error ?? errorOf(`${path}.${union.key}`)}
          data={['', ...union.choices.map((c) => c.value)]}
          value={chosen ?? ''}
          onChange={(e) => onChange(e.currentTarget.value ? { [union.key]: e.currentTarget.value } : undefined)}
        />
        {rest && value && <SchemaForm schema={rest} value={value} onChange={(next) => onChange({ ...next, [union.key]: chosen })} errorOf={errorOf} path={path} />}
      </Stack>
    </Fieldset>
  );
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
