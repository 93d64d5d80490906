import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ValidateFunction } from 'ajv';

/** Reading the controller's OpenAPI document (../shared) to judge voucherd's answers against it. */
const Ajv = AjvModule.default;

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_FILE = join(REPO_ROOT, '..', 'shared', 'omada-openapi', 'omada-hotspot-openapi.json');
export const HAVE_SPEC = existsSync(SPEC_FILE);
/** Appended to each test name, so a skipped run says why. */
export const SKIP_NOTE = HAVE_SPEC ? '' : ` (skipped: ${SPEC_FILE} does not exist)`;

export type Schema = Record<string, unknown>;
export interface Operation {
  operationId: string;
  responses: Record<string, { content: Record<string, { schema: Schema }> }>;
}
export interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}


/**
 * The spec's schemas, adjusted in two ways before they judge an answer:
 * - an object that lists its properties is closed (`additionalProperties: false`), so a field
 *   voucherd sends that the spec does not name fails as well as a field of the wrong type;
 * - SiteEntity.ntpServers items lose `maxLength: 5` (and its `minLength: 0`). The description of
 *   the same field says "Up to 5 entries": the bound belongs to the list, which carries it as
 *   `maxItems: 5` already, and no NTP host name fits in 5 characters.
 */
function adjusted(components: Record<string, Schema>): Record<string, Schema> {
  const copy = structuredClone(components);
  const ntpItems = ((copy.SiteEntity!.properties as Schema).ntpServers as Schema).items as Schema;
  delete ntpItems.maxLength;
  delete ntpItems.minLength;
  const close = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(close);
    if (node === null || typeof node !== 'object') return;
    const schema = node as Schema;
    if (schema.type === 'object' && schema.properties && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
    Object.values(schema).forEach(close);
  };
  close(copy);
  return copy;
}

/** The 200 response schema of every operation in the spec, compiled with its components. */
export function responseValidators(spec: Spec): Map<string, { method: string; path: string; validate: ValidateFunction }> {
  // int32/int64/double are OpenAPI formats Ajv does not know; they describe, they do not constrain here.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) =>
        key === '$ref' && typeof value === 'string'
          ? [key, `spec#/components/schemas/${encodeURIComponent(value.replace('#/components/schemas/', ''))}`]
          : [key, rewrite(value)],
      ),
    );
  };
  ajv.addSchema({ $id: 'spec', components: { schemas: rewrite(adjusted(spec.components.schemas)) } });
  const validators = new Map<string, { method: string; path: string; validate: ValidateFunction }>();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const schema = operation.responses['200']?.content['*/*']?.schema;
      if (schema) validators.set(operation.operationId, { method, path, validate: ajv.compile(rewrite(schema) as Schema) });
    }
  }
  return validators;
}

