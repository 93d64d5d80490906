import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLOUD_ONLY_OPERATIONS, OPERATIONS, roleGrants, type OperationId, type Permission, type Role } from '../src/domain/permissions.js';

const SPEC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'omada-openapi', 'omada-hotspot-openapi.json');

describe('roles', () => {
  it.each<[Role, Permission, boolean]>([
    ['admin', 'Global Dashboard Manager Modify', true],
    ['admin', 'Site Export Data Access', true],
    ['viewer', 'Global Dashboard Manager View Only', true],
    ['viewer', 'Site Hotspot Manager View Only', true],
    ['viewer', 'Site Hotspot Manager Modify', false],
    ['viewer', 'Site Export Data Access', false],
    ['hotspot-operator', 'Site Hotspot Manager Modify', true],
    ['hotspot-operator', 'Site Hotspot Manager View Only', true],
    ['hotspot-operator', 'Site Settings Manager View Only', false],
    ['hotspot-operator', 'Global Dashboard Manager View Only', false],
  ])('%s holds "%s": %s', (role, permission, expected) => {
    expect(roleGrants(role, permission)).toBe(expected);
  });
});

describe.skipIf(!existsSync(SPEC))('the permission table against the controller spec', () => {
  it('names, for every operation, the permissions its description lists', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as {
      paths: Record<string, Record<string, { operationId: string; description?: string }>>;
    };
    const fromSpec: Record<string, { method: string; path: string; permissions: string[] }> = {};
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const listed = /requires one of the permissions: <br\/>(.*?)(?:<br\/><br\/>|$)/.exec(operation.description ?? '');
        fromSpec[operation.operationId] = {
          method: method.toUpperCase(),
          path,
          permissions: listed ? listed[1]!.split('<br/>').filter(Boolean) : [],
        };
      }
    }
    const table = Object.fromEntries(
      Object.entries(OPERATIONS)
        .filter(([id]) => !CLOUD_ONLY_OPERATIONS.has(id as OperationId))
        .map(([id, op]) => [id, { method: op.method, path: op.path, permissions: [...op.permissions] }]),
    );
    expect(table).toEqual(fromSpec);
    // An operation marked cloud-only really is missing from the spec, at its id and at its path.
    const specPaths = new Set(Object.values(fromSpec).map((op) => `${op.method} ${op.path}`));
    for (const id of CLOUD_ONLY_OPERATIONS) {
      expect(fromSpec, id).not.toHaveProperty(id);
      expect(specPaths.has(`${OPERATIONS[id].method} ${OPERATIONS[id].path}`), id).toBe(false);
    }
  });
});
