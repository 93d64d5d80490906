import { describe, expect, it } from 'vitest';
import { Metrics } from '../src/metrics.js';
import { CountsReader, CountsWriter, RADIUS_PACKET_TYPES, RADIUS_REDEMPTION_RESULTS, sharedCountsBuffer } from '../src/radius/shared-counts.js';

/**
 * The RADIUS thread counts into memory the main thread shares (no message per count); the main
 * thread moves what was added into its Prometheus counters each time they are read.
 */
async function values(metrics: Metrics) {
  const of = async (counter: Metrics['radiusPackets'] | Metrics['redemptions']) =>
    Object.fromEntries((await counter.get()).values.map(({ labels, value }) => [Object.values(labels).join(), value]));
  return { packets: await of(metrics.radiusPackets), redemptions: await of(metrics.redemptions) };
}

function counting() {
  const buffer = sharedCountsBuffer();
  const metrics = new Metrics();
  const reader = new CountsReader(buffer, metrics);
  const stop = metrics.addSource(() => reader.collect());
  return { buffer, metrics, writer: new CountsWriter(buffer), stop };
}

describe('the RADIUS thread’s shared counts', () => {
  it('are in the counters the next time they are read, each once', async () => {
    const { metrics, writer } = counting();
    writer.radiusPackets.inc({ type: 'access-request' });
    writer.radiusPackets.inc({ type: 'access-request' });
    writer.radiusPackets.inc({ type: 'access-reject' });
    writer.redemptions.inc({ result: 'code-incorrect' });
    const first = { packets: { 'access-request': 2, 'access-reject': 1 }, redemptions: { 'code-incorrect': 1 } };
    expect(await values(metrics)).toEqual(first);
    expect(await values(metrics)).toEqual(first);
    expect(await metrics.text()).toContain('voucherd_radius_packets_total{type="access-request"} 2\n');

    writer.radiusPackets.inc({ type: 'access-request' });
    writer.redemptions.inc({ result: 'accepted' });
    expect(await values(metrics)).toEqual({
      packets: { 'access-request': 3, 'access-reject': 1 },
      redemptions: { 'code-incorrect': 1, accepted: 1 },
    });
  });

  it.each(RADIUS_PACKET_TYPES.map((type) => [type]))('counts the packet type %s apart from every other', async (type) => {
    const { metrics, writer } = counting();
    writer.radiusPackets.inc({ type });
    expect(await values(metrics)).toEqual({ packets: { [type]: 1 }, redemptions: {} });
  });

  it.each(RADIUS_REDEMPTION_RESULTS.map((result) => [result]))('counts the redemption result %s apart from every other', async (result) => {
    const { metrics, writer } = counting();
    writer.redemptions.inc({ result });
    expect(await values(metrics)).toEqual({ packets: {}, redemptions: { [result]: 1 } });
  });

  it('counts right across a slot going round 2^32', async () => {
    const { buffer, metrics, writer } = counting();
    new Uint32Array(buffer)[RADIUS_PACKET_TYPES.indexOf('access-request')] = 0xffff_fffe;
    expect(await values(metrics)).toEqual({ packets: { 'access-request': 0xffff_fffe }, redemptions: {} });
    for (let i = 0; i < 3; i++) writer.radiusPackets.inc({ type: 'access-request' });
    expect(new Uint32Array(buffer)[RADIUS_PACKET_TYPES.indexOf('access-request')]).toBe(1);
    expect(await values(metrics)).toEqual({ packets: { 'access-request': 2 ** 32 + 1 }, redemptions: {} });
  });

  it('stops moving counts once stopped; what was moved stays', async () => {
    const { metrics, writer, stop } = counting();
    writer.radiusPackets.inc({ type: 'duplicate' });
    expect(await values(metrics)).toEqual({ packets: { duplicate: 1 }, redemptions: {} });
    stop();
    writer.radiusPackets.inc({ type: 'duplicate' });
    expect(await values(metrics)).toEqual({ packets: { duplicate: 1 }, redemptions: {} });
  });
});
