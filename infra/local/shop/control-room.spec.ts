import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { infraLayout } from '../infra-paths';
import { adminToken, controlRoomPid } from './control-room';

describe("the local runner's control room", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'seckill-room-'));
  const layout = infraLayout(root);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('makes one admin token per checkout, readable by its owner only, and keeps it', () => {
    const token = adminToken(layout);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const file = path.join(layout.dataDir, 'control-room', 'admin-token');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(adminToken(layout)).toBe(token);
  });

  it('is not running without a pid file', () => {
    expect(controlRoomPid(layout)).toBeNull();
  });
});
