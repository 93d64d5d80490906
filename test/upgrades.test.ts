/**
 * Migrations that rewrite data, run on a database an earlier release filled. 008-site-numbers:
 * every site gets its own number, every voucher keeps its site, codes stay unique per site (and
 * only per site), and new sites and vouchers carry on from there. 009-voucher-first-use: of each
 * voucher's uses, exactly its earliest is marked. 010-timed-vouchers-due: the index of vouchers
 * that may run out keeps those with an end only, and the counts of run-out vouchers stay the same.
 * 011-group-uses-by-site: the index of uses by group goes, and a group's first uses read the same.
 * 012-sessions-through-clients: each client's row names its open session (else its latest), and a
 * voucher's open sessions read through them. 014-first-clients: clients written before stay where
 * they are and read as before; a voucher first used since keeps its first client in a row of its
 * own, found through the voucher's row. 015-uses-by-row-id: every use stays, with its figures, keyed
 * by a number in time order; the statistics read the same, and uses made since take the next numbers.
 * Runs on SQLite, and on PostgreSQL under `npm run test:pg`.
 */
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../src/domain/clock.js';
import { RedemptionService } from '../src/domain/redemption.js';
import { isUniqueViolation, siteNumber } from '../src/store/sql-helpers.js';
import type { Database } from '../src/store/schema.js';
import { TestClock } from './helpers.js';
import { BACKEND, createTestStore, siteRecord, type TestStore } from './test-store.js';

const BEFORE = '007-voucher-print';
const SITES = ['000000000001000000000000', '000000000002000000000000', '000000000003000000000000'];

/** A site, a group and its vouchers as 007's schema holds them, in plain SQL. */
async function fill(db: Kysely<Database>, siteId: string, codes: readonly string[]) {
  await sql`insert into sites (id, name, type, region, time_zone, scenario, tag_ids, device_username, device_password,
      support_es, support_l2, ntp_enable, ntp_servers, created_at, voucher_count)
    values (${siteId}, ${`Site ${siteId}`}, 0, 'Germany', 'UTC', 'Office', '[]', 'admin', 'secret', 0, 0, 0, '[]', 1, ${codes.length})`.execute(db);
  const groupId = `${siteId.slice(0, 12)}aaaaaaaaaaaa`;
  await sql`insert into voucher_groups (id, site_id, name, amount, code_length, code_form, limit_type, duration_type, duration,
      timing_type, rate_mode, down_enable, up_enable, traffic_enable, traffic_frequency, apply_all_portals, validity_type,
      logout, creator_name, created_at, total_count)
    values (${groupId}, ${siteId}, 'Group', ${codes.length}, 6, '0', 2, 0, 60, 0, 0, 0, 0, 0, 0, 1, 0, 0, 'app', 1, ${codes.length})`.execute(db);
  for (const [index, code] of codes.entries()) {
    const voucherId = `${siteId.slice(0, 12)}${String(index).padStart(12, '0')}`;
    await sql`insert into vouchers (id, site_id, group_id, code, created_at) values (${voucherId}, ${siteId}, ${groupId}, ${code}, 1)`.execute(db);
  }
}

let test: TestStore | undefined;
afterEach(async () => {
  await test?.store.close();
  await test?.dispose();
  test = undefined;
});

/** The indexes of `table` by name, each with its definition in lower case without quotes or parentheses. */
async function indexesOf(db: Kysely<Database>, table: string): Promise<Map<string, string>> {
  const { rows } =
    BACKEND === 'postgres'
      ? await sql<{ name: string; definition: string }>`select indexname as name, indexdef as definition from pg_indexes
          where tablename = ${table} and schemaname = current_schema()`.execute(db)
      : await sql<{ name: string; definition: string | null }>`select name, sql as definition from sqlite_master
          where type = 'index' and tbl_name = ${table}`.execute(db);
  return new Map(rows.map((row) => [row.name, (row.definition ?? '').toLowerCase().replaceAll(/["()]/g, '')]));
}

const codesOf = async (db: Kysely<Database>, siteId: string) =>
  (await db.selectFrom('vouchers').select('code').where('site_number', '=', siteNumber(siteId)).orderBy('code').execute()).map((row) => row.code);

describe('008-site-numbers', () => {
  it('numbers the sites of an earlier database and moves every voucher to its site by number', async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    // The same code in two sites is allowed; site 3 holds none.
    await fill(db, SITES[1]!, ['111111', '222222']);
    await fill(db, SITES[0]!, ['111111', '333333', '444444']);
    await fill(db, SITES[2]!, []);

    await test.store.migrate();

    const sites = await db.selectFrom('sites').select(['id', 'number']).orderBy('id').execute();
    expect(sites.map((site) => [site.id, Number(site.number)])).toEqual([
      [SITES[0], 1],
      [SITES[1], 2],
      [SITES[2], 3],
    ]);
    expect(await codesOf(db, SITES[0]!)).toEqual(['111111', '333333', '444444']);
    expect(await codesOf(db, SITES[1]!)).toEqual(['111111', '222222']);
    expect(await codesOf(db, SITES[2]!)).toEqual([]);
    const columns = await db.selectFrom('vouchers').selectAll().limit(1).executeTakeFirstOrThrow();
    expect(Object.keys(columns)).not.toContain('site_id');

    // Codes stay unique per site: a second 111111 in site 1 is refused, in site 3 (in its empty group) it is taken.
    const insert = (siteId: string, id: string) =>
      db
        .insertInto('vouchers')
        .values({ id, site_number: siteNumber(siteId), group_id: `${siteId.slice(0, 12)}aaaaaaaaaaaa`, code: '111111', created_at: 2 })
        .execute();
    await expect(insert(SITES[0]!, 'ffffffffffff000000000001')).rejects.toSatisfy(isUniqueViolation);
    await insert(SITES[2]!, 'ffffffffffff000000000002');
    expect(await codesOf(db, SITES[2]!)).toEqual(['111111']);
  });

  it('gives a new site the number after the highest, and a site deleted takes its vouchers along', async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    await fill(db, SITES[0]!, ['555555']);
    await fill(db, SITES[1]!, ['555555', '666666']);
    await test.store.migrate();

    await db.deleteFrom('sites').where('id', '=', SITES[1]!).execute();
    const { n } = await db.selectFrom('vouchers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(1);

    await test.store.sites.insert(
      siteRecord({ id: SITES[2]!, name: 'Fresh', createdAt: 2 }),
      10,
      'fffffffffffffffffffffff0',
    );
    const fresh = await db.selectFrom('sites').select('number').where('id', '=', SITES[2]!).executeTakeFirstOrThrow();
    // The deleted site's number is free again: nothing names it any more.
    expect(Number(fresh.number)).toBe(2);
    expect(await codesOf(db, SITES[2]!)).toEqual([]);
    expect(await codesOf(db, SITES[0]!)).toEqual(['555555']);
  });
});

describe('009-voucher-first-use', () => {
  it('marks the earliest first use of each voucher (ties by id), and only that one', async () => {
    test = await createTestStore({ through: '008-site-numbers' });
    const { db } = test.store;
    await fill(db, SITES[0]!, []);
    // [id, voucher, client's first use, used at]
    const uses: [string, string, number, number][] = [
      ['u01', 'v1', 1, 1000], // v1's first
      ['u02', 'v1', 0, 900], // earlier, but a client coming back: not a first use
      ['u03', 'v1', 1, 2000], // a second client
      ['u05', 'v2', 1, 3000], // v2: two first uses in the same millisecond, the lower id wins
      ['u04', 'v2', 1, 3000],
      ['u06', 'v3', 0, 4000], // v3 never had a first use recorded
    ];
    for (const [id, voucher, firstUse, usedAt] of uses) {
      await sql`insert into voucher_uses (id, site_id, group_id, voucher_id, client_mac, first_use, used_at)
        values (${id}, ${SITES[0]!}, 'g', ${voucher}, 'AA-BB-CC-DD-EE-FF', ${firstUse}, ${usedAt})`.execute(db);
    }

    await test.store.migrate('009-voucher-first-use');

    const rows = await db.selectFrom('voucher_uses').select(['id', 'voucher_first']).orderBy('id').execute();
    expect(rows.map((row) => [row.id, Number(row.voucher_first)])).toEqual([
      ['u01', 1],
      ['u02', 0],
      ['u03', 0],
      ['u04', 1],
      ['u05', 0],
      ['u06', 0],
    ]);
  });
});

describe('010-timed-vouchers-due', () => {
  it('keeps only vouchers in use with an end in the index, and counts the run-out ones as before', async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    await fill(db, SITES[0]!, ['AAAAAA', 'BBBBBB', 'CCCCCC', 'DDDDDD', 'EEEEEE']);
    await test.store.migrate('009-voucher-first-use');
    const groupId = `${SITES[0]!.slice(0, 12)}aaaaaaaaaaaa`;
    // [code, status, expires at]: run out, runs out later, no end, unused, expired already
    const states: [string, number, number | null][] = [
      ['AAAAAA', 1, 1000],
      ['BBBBBB', 1, 9000],
      ['CCCCCC', 1, null],
      ['DDDDDD', 0, null],
      ['EEEEEE', 2, 500],
    ];
    for (const [code, status, expiresAt] of states) {
      await db.updateTable('vouchers').set({ status, expires_at: expiresAt }).where('code', '=', code).execute();
    }
    const before = await test.store.redemptions.dueCounts([groupId], 5000);
    expect([...before]).toEqual([[groupId, 1]]);

    await test.store.migrate();

    expect((await indexesOf(db, 'vouchers')).get('vouchers_group_due')).toMatch(/where.*status = 1 and expires_at is not null/);
    expect([...(await test.store.redemptions.dueCounts([groupId], 5000))]).toEqual([[groupId, 1]]);
    expect([...(await test.store.redemptions.dueCounts([groupId], 10_000))]).toEqual([[groupId, 2]]);
  });
});

describe('011-group-uses-by-site', () => {
  it("drops the index of uses by group; a group's first uses read as before, in time order", async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    await fill(db, SITES[0]!, []);
    await fill(db, SITES[1]!, []);
    await test.store.migrate('010-timed-vouchers-due');
    const groupOf = (siteId: string) => `${siteId.slice(0, 12)}aaaaaaaaaaaa`;
    // [id, site, group, voucher's first use, used at]
    const uses: [string, string, string, number, number][] = [
      ['u1', SITES[0]!, groupOf(SITES[0]!), 1, 3000],
      ['u2', SITES[0]!, groupOf(SITES[0]!), 1, 1000],
      ['u3', SITES[0]!, 'other-group', 1, 2000], // another group of the site
      ['u4', SITES[0]!, groupOf(SITES[0]!), 0, 2500], // not the voucher's first use
      ['u5', SITES[0]!, groupOf(SITES[0]!), 1, 9000], // past the range
      ['u6', SITES[1]!, groupOf(SITES[1]!), 1, 1500], // another site
    ];
    for (const [id, siteId, groupId, voucherFirst, usedAt] of uses) {
      await sql`insert into voucher_uses (id, site_id, group_id, voucher_id, client_mac, first_use, voucher_first, used_at)
        values (${id}, ${siteId}, ${groupId}, ${`v-${id}`}, 'AA-BB-CC-DD-EE-FF', 1, ${voucherFirst}, ${usedAt})`.execute(db);
    }
    const read = async () => (await test!.store.statistics.firstUses(SITES[0]!, 0, 5000, groupOf(SITES[0]!))).map((use) => [use.groupId, use.usedAt]);
    const before = await read();
    expect([...(await indexesOf(db, 'voucher_uses')).keys()]).toContain('voucher_uses_group_time');

    await test.store.migrate('011-group-uses-by-site');

    const after = [...(await indexesOf(db, 'voucher_uses')).keys()];
    expect(after).not.toContain('voucher_uses_group_time');
    expect(after).toContain('voucher_uses_site_time');
    expect(await read()).toEqual(before);
    expect(before).toEqual([
      [groupOf(SITES[0]!), 1000],
      [groupOf(SITES[0]!), 3000],
    ]);
  });
});

describe('012-sessions-through-clients', () => {
  it("points each client's row at its open session, else its latest; a voucher's open sessions read through them", async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    const siteId = SITES[0]!;
    await fill(db, siteId, ['AAAAAA', 'BBBBBB']);
    await test.store.migrate('011-group-uses-by-site');
    const groupId = `${siteId.slice(0, 12)}aaaaaaaaaaaa`;
    const [v0, v1] = [0, 1].map((index) => `${siteId.slice(0, 12)}${String(index).padStart(12, '0')}`);
    await db.updateTable('vouchers').set({ status: 1, used: 3 }).where('id', '=', v0!).execute();
    await db.updateTable('vouchers').set({ status: 1, used: 1 }).where('id', '=', v1!).execute();
    // [voucher, client]
    const clients: [string, string][] = [
      [v0!, 'AA-AA-AA-AA-AA-AA'],
      [v0!, 'BB-BB-BB-BB-BB-BB'],
      [v0!, 'DD-DD-DD-DD-DD-DD'],
      [v1!, 'CC-CC-CC-CC-CC-CC'],
    ];
    for (const [voucherId, clientMac] of clients) {
      await sql`insert into voucher_clients (voucher_id, client_mac, first_auth_at, time_used_sec, traffic_used, traffic_period_start)
        values (${voucherId}, ${clientMac}, 1, 0, 0, 0)`.execute(db);
    }
    // [id, voucher, client, started at, ended at]
    const sessions: [string, string, string, number, number | null][] = [
      ['s1', v0!, 'AA-AA-AA-AA-AA-AA', 100, 200],
      ['s2', v0!, 'AA-AA-AA-AA-AA-AA', 300, null], // A's open session
      ['s3', v0!, 'BB-BB-BB-BB-BB-BB', 100, 150],
      ['s4', v0!, 'BB-BB-BB-BB-BB-BB', 400, 500], // B's latest, ended
      ['s5', v0!, 'DD-DD-DD-DD-DD-DD', 50, null], // D's open session, though not its latest
      ['s6', v0!, 'DD-DD-DD-DD-DD-DD', 600, 700],
      ['s7', v1!, 'AA-AA-AA-AA-AA-AA', 100, null], // another voucher's
    ];
    for (const [id, voucherId, clientMac, startedAt, endedAt] of sessions) {
      await sql`insert into sessions (id, site_id, voucher_id, group_id, code, client_mac, auth_type, via, started_at, deadline,
          ended_at, session_time_sec, input_octets, output_octets)
        values (${id}, ${siteId}, ${voucherId}, ${groupId}, 'AAAAAA', ${clientMac}, 3, 'portal', ${startedAt}, ${9_000_000_000_000},
          ${endedAt}, 0, 0, 0)`.execute(db);
    }

    await test.store.migrate();

    const pointers = await db.selectFrom('voucher_clients').select(['voucher_id', 'client_mac', 'session_id']).orderBy('voucher_id').orderBy('client_mac').execute();
    expect(pointers.map((row) => [row.voucher_id, row.client_mac, row.session_id])).toEqual([
      [v0, 'AA-AA-AA-AA-AA-AA', 's2'],
      [v0, 'BB-BB-BB-BB-BB-BB', 's4'],
      [v0, 'DD-DD-DD-DD-DD-DD', 's5'],
      [v1, 'CC-CC-CC-CC-CC-CC', null],
    ]);
    expect([...(await indexesOf(db, 'sessions')).keys()]).not.toContain('sessions_voucher_live');
    const open = (voucherId: string) =>
      test!.store.redemptions.withVoucher(siteId, { voucherId }, (state) => ({ result: state?.open.map((session) => session.id) }));
    expect(await open(v0!)).toEqual(['s5', 's2']);
    expect(await open(v1!)).toEqual([]);
  });
});

describe('013-named-sessions-only', () => {
  it('keeps only sessions a NAS named in the Acct-Session-Id index, and finds them as before', async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    const siteId = SITES[0]!;
    await fill(db, siteId, []);
    await test.store.migrate('012-sessions-through-clients');
    // [id, Acct-Session-Id, NAS, started at]
    const sessions: [string, string | null, string | null, number][] = [
      ['s1', 'acct-1', 'nas-1', 100],
      ['s2', 'acct-1', 'nas-1', 200], // the same id again, later: the later one is found
      ['s3', 'acct-1', 'nas-2', 300], // another NAS's
      ['s4', null, null, 400], // not named yet
    ];
    for (const [id, acctSessionId, nasId, startedAt] of sessions) {
      await sql`insert into sessions (id, site_id, client_mac, auth_type, via, started_at, deadline, acct_session_id, nas_id,
          session_time_sec, input_octets, output_octets)
        values (${id}, ${siteId}, 'AA-BB-CC-DD-EE-FF', 3, 'radius', ${startedAt}, ${9_000_000_000_000}, ${acctSessionId}, ${nasId},
          0, 0, 0)`.execute(db);
    }

    await test.store.migrate();

    expect((await indexesOf(db, 'sessions')).get('sessions_acct')).toMatch(/where acct_session_id is not null$/);
    const found = async (nasId: string, acctSessionId: string) => (await test!.store.redemptions.findByAcctSessionId(nasId, acctSessionId))?.id;
    expect(await found('nas-1', 'acct-1')).toBe('s2');
    expect(await found('nas-2', 'acct-1')).toBe('s3');
    expect(await found('nas-1', 'acct-2')).toBeUndefined();
  });
});

describe('014-first-clients', () => {
  it("leaves a voucher's earlier clients where they are; the first client of a voucher used since gets a row of its own", async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    const siteId = SITES[0]!;
    await fill(db, siteId, ['AAAAAA', 'BBBBBB', 'CCCCCC']);
    await test.store.migrate('013-named-sessions-only');
    const [v0, v1, v2] = [0, 1, 2].map((index) => `${siteId.slice(0, 12)}${String(index).padStart(12, '0')}`);
    // v0 was used before the upgrade: its client's row is in voucher_clients.
    await db.updateTable('vouchers').set({ status: 1, used: 1, start_time: 1000 }).where('id', '=', v0!).execute();
    await sql`insert into voucher_clients (voucher_id, client_mac, first_auth_at, time_used_sec, traffic_used, traffic_period_start)
      values (${v0!}, 'AA-AA-AA-AA-AA-AA', 1000, 60, 5, 1000)`.execute(db);

    await test.store.migrate();

    const clock = new TestClock();
    const engine = new RedemptionService(test.store, clock, cryptoRandom);
    const redeem = async (code: string, clientMac: string) =>
      (await engine.redeem({ siteId, code, clientMac, via: 'portal' })).ok;
    expect(await redeem('AAAAAA', 'BB-BB-BB-BB-BB-BB')).toBe(true);
    expect(await redeem('BBBBBB', 'CC-CC-CC-CC-CC-CC')).toBe(true);
    clock.advance(1000);
    expect(await redeem('BBBBBB', 'DD-DD-DD-DD-DD-DD')).toBe(true);
    expect(await redeem('BBBBBB', 'CC-CC-CC-CC-CC-CC')).toBe(true); // again: the same client

    const inClients = await db.selectFrom('voucher_clients').select(['voucher_id', 'client_mac']).orderBy('voucher_id').orderBy('client_mac').execute();
    expect(inClients.map((row) => [row.voucher_id, row.client_mac])).toEqual([
      [v0, 'AA-AA-AA-AA-AA-AA'],
      [v0, 'BB-BB-BB-BB-BB-BB'],
      [v1, 'DD-DD-DD-DD-DD-DD'],
    ]);
    const firsts = await db.selectFrom('voucher_first_clients').selectAll().execute();
    expect(firsts.map((row) => [row.site_id, row.voucher_id, row.client_mac, Number(row.first_auth_at)])).toEqual([
      [siteId, v1, 'CC-CC-CC-CC-CC-CC', clock.now() - 1000],
    ]);
    const pointers = await db.selectFrom('vouchers').select(['id', 'first_client']).orderBy('id').execute();
    expect(pointers.map((row) => [row.id, row.first_client === null ? null : Number(row.first_client)])).toEqual([
      [v0, null],
      [v1, Number(firsts[0]!.id)],
      [v2, null],
    ]);

    // A state read sees every client of a voucher and every open session, wherever the rows are.
    const read = (voucherId: string) =>
      test!.store.redemptions.withVoucher(siteId, { voucherId }, (state) => ({
        result: state && {
          used: state.voucher.used,
          clients: state.clients.map((client) => [client.mac, client.timeUsedSec]).sort(),
          open: state.open.map((session) => session.clientMac),
        },
      }));
    expect(await read(v0!)).toEqual({
      used: 2,
      clients: [
        ['AA-AA-AA-AA-AA-AA', 60],
        ['BB-BB-BB-BB-BB-BB', 0],
      ],
      open: ['BB-BB-BB-BB-BB-BB'],
    });
    expect(await read(v1!)).toEqual({
      used: 2,
      clients: [
        ['CC-CC-CC-CC-CC-CC', 0],
        ['DD-DD-DD-DD-DD-DD', 0],
      ],
      open: ['CC-CC-CC-CC-CC-CC', 'DD-DD-DD-DD-DD-DD'],
    });
  });
});

describe('015-uses-by-row-id', () => {
  it('keeps every use and its figures under a number in time order; statistics read the same, new uses carry on', async () => {
    test = await createTestStore({ through: BEFORE });
    const { db } = test.store;
    await fill(db, SITES[0]!, ['AAAAAA']);
    await fill(db, SITES[1]!, []);
    await test.store.migrate('014-first-clients');
    const groupOf = (siteId: string) => `${siteId.slice(0, 12)}aaaaaaaaaaaa`;
    // [id, site, voucher, client, client's first use, voucher's first use, used at]; ids out of time order
    const uses: [string, string, string, string, number, number, number][] = [
      ['u3', SITES[0]!, 'v1', 'AA-AA-AA-AA-AA-AA', 1, 1, 1000],
      ['u1', SITES[0]!, 'v1', 'BB-BB-BB-BB-BB-BB', 1, 0, 2000],
      ['u2', SITES[0]!, 'v1', 'AA-AA-AA-AA-AA-AA', 0, 0, 2000],
      ['u0', SITES[1]!, 'v9', 'CC-CC-CC-CC-CC-CC', 1, 1, 1500],
      ['u4', SITES[0]!, 'v2', 'DD-DD-DD-DD-DD-DD', 1, 1, 3000],
    ];
    for (const [id, siteId, voucherId, mac, firstUse, voucherFirst, usedAt] of uses) {
      await sql`insert into voucher_uses (id, site_id, group_id, voucher_id, client_mac, first_use, voucher_first, used_at)
        values (${id}, ${siteId}, ${groupOf(siteId)}, ${voucherId}, ${mac}, ${firstUse}, ${voucherFirst}, ${usedAt})`.execute(db);
    }
    const statistics = async (siteId: string) => (await test!.store.statistics.firstUses(siteId, 0, 10_000)).map((use) => [use.groupId, use.usedAt]);
    const before = [await statistics(SITES[0]!), await statistics(SITES[1]!)];
    const rowsOf = async () =>
      (await db.selectFrom('voucher_uses').selectAll().orderBy('used_at').orderBy('client_mac').execute()).map((row) => [
        row.site_id,
        row.group_id,
        row.voucher_id,
        row.client_mac,
        Number(row.first_use),
        Number(row.voucher_first),
        Number(row.used_at),
      ]);
    const rowsBefore = await rowsOf();

    await test.store.migrate();

    expect(await rowsOf()).toEqual(rowsBefore);
    const numbered = await db.selectFrom('voucher_uses').select(['id', 'used_at']).orderBy('id').execute();
    const ids = numbered.map((row) => Number(row.id));
    expect(new Set(ids).size).toBe(uses.length);
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    // SQLite copies them in time order; PostgreSQL numbers the rows where they lie.
    if (BACKEND === 'sqlite') expect(numbered.map((row) => Number(row.used_at))).toEqual([1000, 1500, 2000, 2000, 3000]);
    expect([await statistics(SITES[0]!), await statistics(SITES[1]!)]).toEqual(before);
    expect(before).toEqual([
      [
        [groupOf(SITES[0]!), 1000],
        [groupOf(SITES[0]!), 3000],
      ],
      [[groupOf(SITES[1]!), 1500]],
    ]);
    const indexes = await indexesOf(db, 'voucher_uses');
    expect(indexes.get('voucher_uses_site_time')).toMatch(/voucher_uses (using btree )?site_id, used_at$/);

    // A voucher's first use since the upgrade is numbered after them, and counts in the statistics.
    const clock = new TestClock(5000);
    const engine = new RedemptionService(test.store, clock, cryptoRandom);
    expect((await engine.redeem({ siteId: SITES[0]!, code: 'AAAAAA', clientMac: 'EE-EE-EE-EE-EE-EE', via: 'portal' })).ok).toBe(true);
    const newest = await db.selectFrom('voucher_uses').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect([Number(newest.id), newest.client_mac, Number(newest.first_use), Number(newest.voucher_first), Number(newest.used_at)]).toEqual([
      Math.max(...ids) + 1,
      'EE-EE-EE-EE-EE-EE',
      1,
      1,
      5000,
    ]);
    expect(await statistics(SITES[0]!)).toEqual([
      [groupOf(SITES[0]!), 1000],
      [groupOf(SITES[0]!), 3000],
      [groupOf(SITES[0]!), 5000],
    ]);
  });
});
