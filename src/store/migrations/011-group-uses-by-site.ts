import type { Kysely, Migration } from 'kysely';

/**
 * A group's statistics read its first uses through the site's index of uses by time, as the
 * site's statistics do, keeping those of the group. Their own index, by group and time, took one
 * entry at a random place (the end of the group's run) on every first use, the busiest write
 * voucherd has, for a read that the site's index answers in at most the time of the site's own.
 */
export const groupUsesBySite: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('voucher_uses_group_time').execute();
  },
};
