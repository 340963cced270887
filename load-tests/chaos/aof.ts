/**
 * Redis's append-only file as restart-redis --host-loss needs it: where it is, and which of its
 * files takes the writes now.
 *
 * Since Redis 7 the AOF is multi-part: a directory (`appenddirname`) holding a base file (the
 * last rewrite's snapshot, RDB when `aof-use-rdb-preamble yes`), the incremental files written
 * since, and a manifest that lists them, one line each:
 *
 *   file appendonly.aof.11.base.rdb seq 11 type b
 *   file appendonly.aof.11.incr.aof seq 11 type i
 *
 * (`type h`: history, a file a rewrite has replaced and Redis is about to delete.) Every write
 * is appended to the last incremental file; a rewrite starts a new one and rewrites the manifest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Redis } from 'ioredis';

export type AofFileType = 'base' | 'history' | 'incr';

export interface AofFile {
  readonly name: string;
  readonly seq: number;
  readonly type: AofFileType;
}

const TYPES: Readonly<Record<string, AofFileType>> = { b: 'base', h: 'history', i: 'incr' };

/**
 * The words of a manifest line: space-separated, a name with spaces or odd bytes double-quoted
 * with backslash escapes (Redis writes it with sdscatrepr and reads it with sdssplitargs).
 */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    out.push(m[1] === undefined ? m[2] : m[1].replace(/\\(.)/g, '$1'));
  }
  return out;
}

/** The manifest's files, in its order. Throws on a line it does not understand. */
export function parseManifest(text: string): AofFile[] {
  const files: AofFile[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const w = words(line);
    const fields = new Map<string, string>();
    for (let k = 0; k + 1 < w.length; k += 2) fields.set(w[k], w[k + 1]);
    const name = fields.get('file');
    const seq = Number(fields.get('seq'));
    const type = TYPES[fields.get('type') ?? ''];
    if (name === undefined || !Number.isInteger(seq) || type === undefined) {
      throw new Error(
        `AOF manifest line ${i + 1} is not "file <name> seq <n> type b|h|i": ${line}`,
      );
    }
    files.push({ name, seq, type });
  }
  return files;
}

/** The incremental file Redis appends to now: the last one the manifest lists (highest seq). */
export function currentIncr(files: readonly AofFile[]): AofFile {
  const incr = files.filter((f) => f.type === 'incr');
  if (incr.length === 0) throw new Error('the AOF manifest lists no incremental file');
  return incr.reduce((last, f) => (f.seq >= last.seq ? f : last));
}

/** Where the running Redis keeps its AOF, from its own configuration. */
export interface AofLocation {
  /** The AOF directory. */
  readonly dir: string;
  readonly manifest: string;
  /** `appendfsync`: what a lost host can lose (everysec: about the last second). */
  readonly fsync: string;
}

async function configValue(redis: Redis, name: string): Promise<string> {
  const reply: unknown = await redis.config('GET', name);
  if (!Array.isArray(reply) || typeof reply[1] !== 'string')
    throw new Error(`Redis has no setting ${name} (CONFIG GET ${name}: ${JSON.stringify(reply)})`);
  return reply[1];
}

/** Throws unless the AOF is on and multi-part (Redis 7+), the only layout this knows. */
export async function aofLocation(redis: Redis): Promise<AofLocation> {
  if ((await configValue(redis, 'appendonly')) !== 'yes')
    throw new Error('Redis runs without its AOF (appendonly no): there is nothing to cut back');
  const dir = path.join(await configValue(redis, 'dir'), await configValue(redis, 'appenddirname'));
  return {
    dir,
    manifest: path.join(dir, `${await configValue(redis, 'appendfilename')}.manifest`),
    fsync: await configValue(redis, 'appendfsync'),
  };
}

/** The file taking the writes now, and its size in bytes. */
export function currentIncrFile(location: AofLocation): {
  readonly path: string;
  readonly size: number;
} {
  const incr = currentIncr(parseManifest(fs.readFileSync(location.manifest, 'utf8')));
  const file = path.join(location.dir, incr.name);
  return { path: file, size: fs.statSync(file).size };
}
