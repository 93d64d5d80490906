import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

const Ajv = AjvModule.default;

/**
 * Two validators: JSON bodies are checked as sent (a string is not a number), while query
 * strings and path parameters, which arrive as text, are coerced to the types their schemas name.
 */
export function createValidatorCompiler() {
  const options = { allErrors: false, useDefaults: true, verbose: true, strict: false } as const;
  const body = new Ajv({ ...options, coerceTypes: false });
  const text = new Ajv({ ...options, coerceTypes: 'array' });
  for (const ajv of [body, text]) ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ({ schema, httpPart }: { schema: object; httpPart?: string }): ValidateFunction =>
    (httpPart === 'body' ? body : text).compile(schema);
}

type SchemaBounds = Record<string, unknown> & { errorMessage?: string };

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function fieldName(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return path ? `${path}.${missing}` : missing;
  }
  return path;
}

function range(field: string, low: unknown, high: unknown, unit: string): string {
  const suffix = unit ? ` ${unit}` : '';
  if (low !== undefined && high !== undefined) {
    return unit ? `${field} must contain ${low} to ${high}${suffix}.` : `${field} must be within ${low}-${high}.`;
  }
  if (low !== undefined) return `${field} must be at least ${low}${suffix}.`;
  return `${field} must be at most ${high}${suffix}.`;
}

/** One sentence naming the field and the rule it broke, e.g. "amount must be within 1-5000." */
export function describe(error: ErrorObject | FastifySchemaValidationError): string {
  const full = error as ErrorObject;
  const field = fieldName(full) || 'The request body';
  const schema = (full.parentSchema ?? {}) as SchemaBounds;
  switch (full.keyword) {
    case 'required':
      return `${field} is required.`;
    case 'type':
      return `${field} must be ${article(String((full.params as { type: string }).type))}.`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return range(field, schema.minimum ?? schema.exclusiveMinimum, schema.maximum ?? schema.exclusiveMaximum, '');
    case 'minLength':
    case 'maxLength':
      return schema.errorMessage
        ? `${field} ${schema.errorMessage}`
        : range(field, schema.minLength, schema.maxLength, 'characters');
    case 'minItems':
    case 'maxItems':
      return range(field, schema.minItems, schema.maxItems, 'items');
    case 'uniqueItems':
      return `${field} must not repeat an item.`;
    case 'enum':
      return `${field} must be one of ${(schema.enum as unknown[]).join(', ')}.`;
    case 'pattern':
      return schema.errorMessage ? `${field} ${schema.errorMessage}` : `${field} has an invalid format.`;
    default:
      return `${field} is invalid.`;
  }
}

/**
 * A request the server cannot read at all (400) rather than one with a field out of its rules
 * (200): a missing or unreadable query parameter, or a body that is not a JSON object.
 */
export function isMalformed(error: FastifySchemaValidationError, context: string): boolean {
  if (context === 'body') return error.instancePath === '' && error.keyword === 'type';
  return error.keyword === 'required' || error.keyword === 'type';
}
