import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../node-agent/logging';

describe('Function: createLogger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-log-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one JSON object per line to a file, creating its directory, at or above the level', () => {
    // Prepare
    const file = join(dir, 'nested/agent.log');
    const logger = createLogger({ level: 'info', destination: { file }, base: { instanceId: 'i-1' } });

    // Act
    logger.debug('hidden');
    logger.info('leased addresses', { granted: 3 });
    logger.error('lease failed', new Error('boom'));

    // Assess
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      time: expect.any(String),
      level: 'info',
      msg: 'leased addresses',
      instanceId: 'i-1',
      granted: 3,
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      msg: 'lease failed',
      error: { name: 'Error', message: 'boom' },
    });
    expect(Number.isNaN(Date.parse(lines[0].time))).toBe(false);
  });

  it('drops everything below fatal when the level is fatal', () => {
    // Prepare
    const file = join(dir, 'agent.log');
    const logger = createLogger({ level: 'fatal', destination: { file } });

    // Act
    logger.error('not written');
    logger.fatal('written');

    // Assess
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
