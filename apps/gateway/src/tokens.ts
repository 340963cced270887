/** The gateway's validated configuration, as an injection token. */
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
