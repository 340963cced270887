import {
  JAEGER_PORTS,
  jaegerImageVersion,
  jaegerPorts,
  jaegerUiUrl,
  jaegerVersion,
  otlpEndpoint,
  renderJaegerConfig,
} from './jaeger';

describe('jaegerVersion', () => {
  it('reads the version infra/jaeger/go.mod requires', () => {
    const goMod = [
      'module seckill/infra/jaeger',
      '',
      'tool github.com/jaegertracing/jaeger/cmd/jaeger',
      '',
      'require (',
      '\tgithub.com/jaegertracing/jaeger-idl v0.6.0 // indirect',
      '\tgithub.com/jaegertracing/jaeger v1.75.0 // indirect',
      ')',
    ].join('\n');
    expect(jaegerVersion(goMod)).toBe('v1.75.0');
  });

  it('refuses a go.mod without it', () => {
    expect(() => jaegerVersion('module x\n')).toThrow(/does not require/);
  });
});

describe('jaegerImageVersion', () => {
  it('names the v2 tag of the same release', () => {
    expect(jaegerImageVersion('v1.75.0')).toBe('2.12.0');
    expect(jaegerImageVersion('v1.74.0')).toBe('2.11.0');
    expect(jaegerImageVersion('v1.63.1')).toBe('2.0.1');
  });

  it.each(['v2.12.0', 'v1.62.0', '1.75.0', 'v1.75'])('refuses %s', (version) => {
    expect(() => jaegerImageVersion(version)).toThrow(/not a Jaeger/);
  });
});

describe('ports', () => {
  it("are Jaeger's own by default, and move together by an offset", () => {
    expect(jaegerUiUrl()).toBe('http://127.0.0.1:16686');
    expect(otlpEndpoint()).toBe('http://127.0.0.1:4318');
    expect(jaegerPorts(600)).toEqual({
      otlpHttp: 4918,
      query: 17286,
      queryGrpc: 17285,
      health: 13733,
    });
    expect(jaegerPorts()).toEqual(JAEGER_PORTS);
  });
});

describe('renderJaegerConfig', () => {
  const config = renderJaegerConfig({
    host: '127.0.0.1',
    ports: jaegerPorts(600),
    maxTraces: 5000,
  });

  it('listens on loopback only, on the given ports', () => {
    const endpoints = [...config.matchAll(/endpoint: (\S+)/g)].map((m) => m[1]);
    expect(endpoints.sort()).toEqual(
      ['127.0.0.1:13733', '127.0.0.1:17286', '127.0.0.1:17285', '127.0.0.1:4918'].sort(),
    );
  });

  it('stores in memory, does not trace itself, and serves no metrics port', () => {
    expect(config).toContain('max_traces: 5000');
    expect(config).toContain('enable_tracing: false');
    expect(config).toMatch(/metrics:\n\s+level: none/);
    expect(config).not.toContain('assets_path');
  });

  it('points the UI at built assets when given', () => {
    const withUi = renderJaegerConfig({
      host: '127.0.0.1',
      ports: JAEGER_PORTS,
      maxTraces: 1,
      uiAssets: '/opt/jaeger-ui',
    });
    expect(withUi).toMatch(/ui:\n\s+assets_path: "\/opt\/jaeger-ui"/);
  });
});
