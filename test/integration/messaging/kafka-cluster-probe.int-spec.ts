// The broker's readiness probe against the real broker, through a TCP proxy that counts the
// connections made to it: probes reuse one connection rather than opening one each.
import { kafkaClusterProbe } from '#messaging';
import { startFreezableProxy, type FreezableProxy } from '../../support/freezable-proxy.js';
import { kafkaBrokers } from '../../support/services.js';

describe('kafkaClusterProbe', () => {
  let proxy: FreezableProxy;

  beforeEach(async () => {
    const [host = '', port = ''] = (kafkaBrokers()[0] ?? '').split(':');
    proxy = await startFreezableProxy({ host, port: Number(port) });
  });

  afterEach(() => proxy.close());

  it('probes three times over one connection to the broker it is given', async () => {
    const cluster = kafkaClusterProbe([`127.0.0.1:${proxy.port}`]);
    try {
      for (let probe = 0; probe < 3; probe++) await cluster.probe();
      expect(proxy.connections()).toBe(1);
    } finally {
      await cluster.close();
    }
  });

  it('refuses to probe once closed, opening no connection', async () => {
    const cluster = kafkaClusterProbe([`127.0.0.1:${proxy.port}`]);
    await cluster.probe();
    await cluster.close();

    await expect(cluster.probe()).rejects.toThrow('the cluster probe is closed');
    expect(proxy.connections()).toBe(1);
  });
});
