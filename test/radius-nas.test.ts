/**
 * `voucherd nas add/list/delete` against a running server's database: validation with clear
 * errors, canonical addresses, secrets never printed, and changes reaching the running server
 * without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, requireBuild } from './process-helpers.js';
import { NAS_SECRET, RadiusServer } from './radius-support.js';

let server: RadiusServer;
let siteId: string;

beforeAll(async () => {
  requireBuild();
  server = await RadiusServer.start();
  siteId = await server.createSite('NAS Site');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await cleanup();
});

const add = (...args: string[]) => server.cli(['nas', 'add', ...args]);
const failure = (stderr: string) => ({ code: 1, stdout: '', stderr });

describe('voucherd nas', () => {
  it('add refuses a missing site, a bad address, a bad secret or port, and a taken address, with one line on stderr', async () => {
    const cases: [string[], string][] = [
      [['--site', 'ffffffffffffffffffffffff', '--address', '10.0.0.1', '--secret', 's'], 'voucherd: This site does not exist.\n'],
      [['--site', siteId, '--address', '10.0.0.300', '--secret', 's'], 'voucherd: address must be an IP address or a CIDR block such as 192.0.2.10 or 192.0.2.0/24, got "10.0.0.300".\n'],
      [['--site', siteId, '--address', '10.0.0.0/33', '--secret', 's'], 'voucherd: address must be an IP address or a CIDR block such as 192.0.2.10 or 192.0.2.0/24, got "10.0.0.0/33".\n'],
      [['--site', siteId, '--address', '10.0.0.1', '--secret', 'x'.repeat(129)], 'voucherd: secret must contain 1 to 128 printable characters.\n'],
      [['--site', siteId, '--address', '10.0.0.1', '--secret', ''], 'voucherd: secret must contain 1 to 128 printable characters.\n'],
    ];
    for (const [args, stderr] of cases) {
      const result = await add(...args);
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }, args.join(' ')).toEqual(failure(stderr));
    }
    const port = await add('--site', siteId, '--address', '10.0.0.1', '--secret', 's', '--disconnect-port', '70000');
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('expected a port within 1-65535.');

    expect((await add('--site', siteId, '--address', '10.9.9.9', '--secret', 's')).code).toBe(0);
    const taken = await add('--site', siteId, '--address', '10.9.9.9/32', '--secret', 's');
    expect({ code: taken.code, stdout: taken.stdout, stderr: taken.stderr }).toEqual(failure('voucherd: address 10.9.9.9 is registered already.\n'));
  });

  it('add canonicalizes addresses; list shows every NAS (or one site\'s) and never a secret', async () => {
    const other = await server.createSite('Other NAS Site');
    const block = await server.addNas(siteId, '192.168.7.99/24', '--name', 'hall');
    const v6 = await server.addNas(other, '2001:DB8:0:0::1', '--require-message-authenticator', '--disconnect-port', '3799');
    const mapped = await server.addNas(other, '::ffff:172.16.0.1');
    expect([block.address, v6.address, mapped.address]).toEqual(['192.168.7.0/24', '2001:db8::1', '172.16.0.1']);
    expect(v6).toMatchObject({ requireMessageAuthenticator: true, disconnectPort: 3799, name: '2001:db8::1' });

    const all = await server.cli(['nas', 'list', '--json']);
    expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: '' });
    const listed = JSON.parse(all.stdout) as Record<string, unknown>[];
    expect(listed.map((nas) => nas.address)).toEqual(expect.arrayContaining(['192.168.7.0/24', '2001:db8::1', '172.16.0.1']));
    for (const nas of listed) expect(Object.keys(nas).sort()).toEqual(['address', 'createdAt', 'disconnectPort', 'id', 'name', 'requireMessageAuthenticator', 'siteId']);
    expect(all.stdout).not.toContain(NAS_SECRET);

    const theirs = JSON.parse((await server.cli(['nas', 'list', '--site', other, '--json'])).stdout) as Record<string, unknown>[];
    expect(theirs).toEqual([v6, mapped]);
    const text = await server.cli(['nas', 'list', '--site', other]);
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    expect(text.stdout).not.toContain(NAS_SECRET);
  });

  it('a NAS added or deleted while the server runs is taken up and dropped without a restart', async () => {
    const nas = await server.addNas(siteId, '127.0.0.1');
    await server.waitForNas();
    const deleted = await server.cli(['nas', 'delete', String(nas.id)]);
    expect({ code: deleted.code, stdout: deleted.stdout, stderr: deleted.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
    // The table is read again every 5 seconds: within that, Status-Server stops being answered.
    const deadline = Date.now() + 10_000;
    let reply = await server.radclient('status', 'Message-Authenticator = 0x00', { timeout: 0.5 });
    while (reply.type !== undefined && Date.now() < deadline) reply = await server.radclient('status', 'Message-Authenticator = 0x00', { timeout: 0.5 });
    expect(reply.type).toBeUndefined();

    const again = await server.cli(['nas', 'delete', String(nas.id)]);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 1, stderr: `voucherd: no NAS with id ${String(nas.id)}.\n` });
  });
});
