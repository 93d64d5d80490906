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
    case 'const':
      return `${field} must be ${JSON.stringify(schema.const)}.`;
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

/**
 * How deeply a JSON body may nest arrays and objects. The deepest Omada body nests four levels;
 * a limit well above that keeps every walk of a body (null stripping, validation, the domain)
 * far from the stack's end, whatever a client sends.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether JSON text nests deeper than `limit`, read without parsing it (so without recursion). */
export function nestsDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped, a quote included
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * NUL, which PostgreSQL cannot store in text, and a UTF-16 surrogate without its pair, which
 * UTF-8 cannot encode (SQLite would keep replacement characters instead of the name sent).
 */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The name of the first string in `value` (a body, query or path parameters) that no database
 * keeps as sent, e.g. "rateLimit.rateLimitProfileId" or "portals[0]"; undefined when there is none.
 */
export function unstorableField(value: unknown): string | undefined {
  const pending: [string, unknown][] = [['', value]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [name, node] = next;
    if (typeof node === 'string') {
      if (UNSTORABLE.test(node)) return name || 'The request body';
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) pending.push([`${name}[${i}]`, node[i]]);
    } else if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        pending.push([name ? `${name}.${key}` : key, child]);
      }
    }
  }
  return undefined;
}
