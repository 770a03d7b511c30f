import { ServerTiming } from './server-timing';

describe('Server-Timing', () => {
  it('reports each phase once, repeated phases added up, in the order first seen, then the total', async () => {
    let now = 1_000;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const timing = new ServerTiming();
      await timing.measure('auth', async () => { now += 1.25; });
      await timing.measure('read', async () => { now += 2; });
      await timing.measure('auth', async () => { now += 0.5; });
      now += 4;
      expect(timing.header()).toBe('auth;dur=1.8, read;dur=2.0, total;dur=7.8');
    } finally {
      clock.mockRestore();
    }
  });

  it('counts the time of work that fails, and lets the failure through', async () => {
    let now = 0;
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const timing = new ServerTiming();
      await expect(timing.measure('workflow', async () => { now += 3; throw new Error('refused'); })).rejects.toThrow('refused');
      expect(timing.header()).toBe('workflow;dur=3.0, total;dur=3.0');
    } finally {
      clock.mockRestore();
    }
  });
});
