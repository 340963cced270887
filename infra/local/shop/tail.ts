/**
 * `tail -F` for the services' log files, in Node: polls each file's size, reads what was appended,
 * and hands over complete lines. Survives a file that does not exist yet (a service not started)
 * and one that was truncated or replaced (starts again from its beginning).
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into lines, keeping an incomplete last line until its newline arrives. */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const text = this.pending + chunk;
    const parts = text.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map((l) => l.replace(/\r$/, ''));
  }

  /** The incomplete remainder, if any (e.g. when the writer died mid-line). */
  flush(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}

/** The last `n` lines of a file (reading at most `maxBytes` from its end); [] when it does not exist. */
export function lastLines(file: string, n: number, maxBytes = 256 * 1024): string[] {
  if (n <= 0) return [];
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    let lines = buf.toString('utf8').split('\n');
    if (start > 0) lines = lines.slice(1); // the first one is probably cut
    if (lines.at(-1) === '') lines.pop();
    return lines.filter((l) => l.trim() !== '').slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}

export interface FollowedFile {
  /** Passed back with each line (the service name). */
  readonly name: string;
  readonly file: string;
}

export interface FollowOptions {
  /** Start at each file's current end (default) or at its beginning. */
  readonly fromEnd?: boolean;
  readonly intervalMs?: number;
}

export interface Follower {
  /** Reads whatever is new right now (the timer does this on its own; tests call it directly). */
  poll(): void;
  stop(): void;
}

interface Cursor {
  readonly target: FollowedFile;
  offset: number;
  ino: number | null;
  readonly splitter: LineSplitter;
  /** Keeps a UTF-8 character cut by a read boundary whole. */
  decoder: StringDecoder;
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}

export function followFiles(
  files: readonly FollowedFile[],
  onLine: (name: string, line: string) => void,
  opts: FollowOptions = {},
): Follower {
  const fromEnd = opts.fromEnd ?? true;
  const cursors: Cursor[] = files.map((target) => {
    const st = statOrNull(target.file);
    return {
      target,
      offset: st && fromEnd ? st.size : 0,
      ino: st ? st.ino : null,
      splitter: new LineSplitter(),
      decoder: new StringDecoder('utf8'),
    };
  });

  const readNew = (c: Cursor): void => {
    const st = statOrNull(c.target.file);
    if (!st) return;
    // Replaced (a new file) or truncated: read it again from the start.
    if ((c.ino !== null && st.ino !== c.ino) || st.size < c.offset) {
      c.offset = 0;
      c.decoder = new StringDecoder('utf8');
    }
    c.ino = st.ino;
    if (st.size === c.offset) return;
    let fd: number;
    try {
      fd = fs.openSync(c.target.file, 'r');
    } catch {
      return;
    }
    try {
      const chunk = Buffer.alloc(64 * 1024);
      while (c.offset < st.size) {
        const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, st.size - c.offset), c.offset);
        if (n <= 0) break;
        c.offset += n;
        for (const line of c.splitter.push(c.decoder.write(chunk.subarray(0, n)))) {
          if (line.trim() !== '') onLine(c.target.name, line);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  };

  const poll = (): void => {
    for (const c of cursors) readNew(c);
  };
  const timer = setInterval(poll, opts.intervalMs ?? 250);
  return {
    poll,
    stop: () => {
      clearInterval(timer);
      poll();
    },
  };
}
