import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  type PidRecord,
  acquireLock,
  inspectPidFile,
  isAlive,
  isOurProcess,
  isPortOpen,
  listPidFiles,
  parsePidRecord,
  pidFilePath,
  readPidFile,
  runCommand,
  serializePidRecord,
  spawnDetached,
  stopPids,
  tailLines,
  which,
  writePidFile,
} from './process';

const quiet = (): void => undefined;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-process-spec-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const record: PidRecord = {
  component: 'redis',
  pid: 1234,
  port: 6379,
  marker: 'redis-server',
  startedAt: '2026-01-01T00:00:00.000Z',
  logFile: '/tmp/redis.log',
  meta: { profile: 'single' },
};

describe('pid records', () => {
  it('round-trips through the file format', () => {
    expect(parsePidRecord(serializePidRecord(record))).toEqual(record);
  });

  it('rejects malformed content', () => {
    expect(parsePidRecord('')).toBeNull();
    expect(parsePidRecord('1234')).toBeNull();
    expect(
      parsePidRecord('{"component":"x","pid":-1,"port":1,"marker":"m","startedAt":"t"}'),
    ).toBeNull();
    expect(
      parsePidRecord('{"component":"x","pid":1.5,"port":1,"marker":"m","startedAt":"t"}'),
    ).toBeNull();
    expect(parsePidRecord('{"component":"x","pid":12,"port":1,"startedAt":"t"}')).toBeNull();
  });

  it('drops non-string meta values', () => {
    const parsed = parsePidRecord(
      '{"component":"x","pid":12,"port":1,"marker":"m","startedAt":"t","meta":{"a":"b","n":3}}',
    );
    expect(parsed?.meta).toEqual({ a: 'b' });
  });

  it('writes atomically and reads back', () => {
    const file = pidFilePath(path.join(dir, 'pids'), 'redis');
    expect(file).toBe(path.join(dir, 'pids', 'redis.pid'));
    writePidFile(file, record);
    expect(readPidFile(file)).toEqual(record);
    expect(fs.readdirSync(path.join(dir, 'pids'))).toEqual(['redis.pid']);
  });

  it('classifies a pid file as none, invalid, stale or alive', () => {
    const file = path.join(dir, 'redis.pid');
    expect(inspectPidFile(file).kind).toBe('none');
    fs.writeFileSync(file, 'garbage');
    expect(inspectPidFile(file).kind).toBe('invalid');
    writePidFile(file, record);
    expect(inspectPidFile(file, () => false).kind).toBe('stale');
    const alive = inspectPidFile(file, (pid, marker) => pid === 1234 && marker === 'redis-server');
    expect(alive).toEqual({ kind: 'alive', record });
  });

  it('lists pid files by prefix, sorted', () => {
    for (const n of ['kafka-2', 'kafka-1', 'redis'])
      writePidFile(pidFilePath(dir, n), { ...record, component: n });
    fs.writeFileSync(path.join(dir, 'kafka-notes.txt'), '');
    expect(listPidFiles(dir, 'kafka-').map((f) => path.basename(f))).toEqual([
      'kafka-1.pid',
      'kafka-2.pid',
    ]);
    expect(listPidFiles(path.join(dir, 'missing'), 'kafka-')).toEqual([]);
  });
});

describe('liveness', () => {
  it('knows our own process and rejects impossible pids', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(0)).toBe(false);
    expect(isAlive(-5)).toBe(false);
    expect(isAlive(2 ** 22 + 17)).toBe(false);
    expect(isOurProcess(process.pid, 'node')).toBe(true);
    expect(isOurProcess(process.pid, 'definitely-not-in-argv-xyz')).toBe(false);
  });
});

describe('runCommand', () => {
  it('captures output', async () => {
    const lines: string[] = [];
    const r = await runCommand('sh', ['-c', 'echo out; echo err >&2'], {
      log: (l) => lines.push(l),
      label: 'echo test',
    });
    expect(r).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    expect(lines[0]).toBe('  $ echo test');
  });

  it('rejects with the tail of the output on failure, and appends to the log file', async () => {
    const logFile = path.join(dir, 'cmd.log');
    await expect(
      runCommand('sh', ['-c', 'echo first; echo last; exit 3'], {
        log: quiet,
        label: 'failing',
        logFile,
      }),
    ).rejects.toThrow(/failing exited with code 3 \(full output: .*cmd\.log\):\nfirst\nlast/);
    expect(fs.readFileSync(logFile, 'utf8')).toContain('last');
  });

  it('accepts extra exit codes and reports a missing binary', async () => {
    await expect(
      runCommand('sh', ['-c', 'exit 4'], { log: quiet, okExitCodes: [4] }),
    ).resolves.toMatchObject({ code: 4 });
    await expect(runCommand('/nonexistent/binary', [], { log: quiet })).rejects.toThrow(
      /could not start/,
    );
  });

  it('kills a command that exceeds its timeout', async () => {
    await expect(runCommand('sleep', ['5'], { log: quiet, timeoutMs: 100 })).rejects.toThrow(
      /timed out/,
    );
  });
});

describe('tailLines and which', () => {
  it('keeps the last non-empty lines', () => {
    expect(tailLines('a\n\nb\nc\n', 2)).toBe('b\nc');
  });
  it('finds executables on PATH', () => {
    expect(which('sh')).toMatch(/\/sh$/);
    expect(which('no-such-command-xyz')).toBeNull();
  });
});

describe('spawnDetached and stopPids', () => {
  it('starts a process in its own session with output in a log file, then stops it by pid', async () => {
    const logFile = path.join(dir, 'logs', 'sleeper.log');
    const pid = await spawnDetached('sh', ['-c', 'echo started; exec sleep 30'], {
      cwd: dir,
      logFile,
    });
    try {
      expect(isAlive(pid)).toBe(true);
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(fields[3])).toBe(pid); // session id == pid: detached (setsid)
      for (let i = 0; i < 50 && !fs.readFileSync(logFile, 'utf8').includes('started'); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(fs.readFileSync(logFile, 'utf8')).toMatch(/==== .* starting: sh -c[\s\S]*started/);
    } finally {
      const lines: string[] = [];
      expect(
        await stopPids([pid], { log: (l) => lines.push(l), label: 'sleeper', timeoutMs: 5_000 }),
      ).toBe(true);
      expect(lines[0]).toBe(`  sent SIGTERM to sleeper (pid ${pid})`);
    }
    expect(isAlive(pid)).toBe(false);
  });

  it('falls back to SIGKILL for a process that ignores SIGTERM', async () => {
    const pid = await spawnDetached('sh', ['-c', 'trap "" TERM; while true; do sleep 0.1; done'], {
      cwd: dir,
      logFile: path.join(dir, 'stubborn.log'),
    });
    await new Promise((r) => setTimeout(r, 100));
    const lines: string[] = [];
    expect(
      await stopPids([pid], { log: (l) => lines.push(l), label: 'stubborn', timeoutMs: 300 }),
    ).toBe(true);
    expect(lines.some((l) => l.includes('SIGKILL'))).toBe(true);
  });

  it('is a no-op for pids that are already gone', async () => {
    expect(await stopPids([2 ** 22 + 17], { log: quiet, label: 'ghost' })).toBe(true);
  });
});

describe('acquireLock', () => {
  it('is exclusive, releasable, and breaks a lock held by a dead pid', async () => {
    const lockFile = path.join(dir, 'infra.lock');
    const release = await acquireLock(lockFile, quiet);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(lockFile)).toBe(false);

    fs.writeFileSync(lockFile, String(2 ** 22 + 17));
    const again = await acquireLock(lockFile, quiet);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    again();
  });

  it('waits for a live holder and gives up after the timeout', async () => {
    const lockFile = path.join(dir, 'infra.lock');
    fs.writeFileSync(lockFile, '1'); // pid 1 is always alive
    const lines: string[] = [];
    await expect(acquireLock(lockFile, (l) => lines.push(l), 200)).rejects.toThrow(
      /could not take the infra lock/,
    );
    expect(lines[0]).toMatch(/another infra command is running \(held by pid 1\)/);
  });
});

describe('isPortOpen', () => {
  it('tells a listening port from a closed one', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await isPortOpen('127.0.0.1', port)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await isPortOpen('127.0.0.1', port)).toBe(false);
  });
});
