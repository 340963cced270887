import { ConfigError } from '@seckill/config';
import { loadControlRoomConfig, serviceUrl } from './config';

describe('the control room configuration', () => {
  it('is read-only by default, on port 3100 of the loopback', () => {
    const config = loadControlRoomConfig({});
    expect(config.CONTROL_ROOM_ACTIONS).toBe(false);
    expect(config.CONTROL_ROOM_PORT).toBe(3100);
    expect(config.CONTROL_ROOM_HOST).toBe('127.0.0.1');
  });

  it('refuses actions without an admin token, naming the variable', () => {
    expect(() => loadControlRoomConfig({ CONTROL_ROOM_ACTIONS: 'true' })).toThrow(
      /CONTROL_ROOM_ADMIN_TOKEN/,
    );
    expect(() =>
      loadControlRoomConfig({ CONTROL_ROOM_ACTIONS: 'true', CONTROL_ROOM_ADMIN_TOKEN: 'short' }),
    ).toThrow(ConfigError);
    expect(
      loadControlRoomConfig({
        CONTROL_ROOM_ACTIONS: 'true',
        CONTROL_ROOM_ADMIN_TOKEN: 'a-token-of-24-characters',
      }).CONTROL_ROOM_ACTIONS,
    ).toBe(true);
  });

  it('refuses a bad flag, port or service URL template', () => {
    expect(() => loadControlRoomConfig({ CONTROL_ROOM_ACTIONS: 'yes please' })).toThrow(
      /CONTROL_ROOM_ACTIONS/,
    );
    expect(() => loadControlRoomConfig({ CONTROL_ROOM_PORT: '70000' })).toThrow(
      /CONTROL_ROOM_PORT/,
    );
    expect(() => loadControlRoomConfig({ CONTROL_ROOM_SERVICE_URL: 'http://x' })).toThrow(
      /CONTROL_ROOM_SERVICE_URL/,
    );
  });

  it('fills the service URL template for the runner and for compose', () => {
    expect(serviceUrl('http://127.0.0.1:{port}', 'gateway', 3000)).toBe('http://127.0.0.1:3000');
    expect(serviceUrl('http://{service}:{port}', 'order-service', 3001)).toBe(
      'http://order-service:3001',
    );
  });
});
