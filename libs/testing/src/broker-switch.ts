import { Socket, connect } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/**
 * A switch between a Kafka client and the brokers, to simulate a broker outage without stopping
 * the shared broker: give `socketFactory` to the client under test, then `down()` drops every
 * open connection and refuses new ones (ECONNREFUSED), and `up()` lets connections through again.
 */
export class BrokerSwitch {
  private readonly open = new Set<Socket>();
  private isUp = true;

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    if (!this.isUp) return refused(host, port);
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  get up(): boolean {
    return this.isUp;
  }

  /** The broker "goes away": open connections are reset, new ones are refused. */
  switchOff(): void {
    this.isUp = false;
    for (const socket of this.open) socket.destroy(socketError('read ECONNRESET', 'ECONNRESET'));
  }

  /** The broker "comes back". */
  switchOn(): void {
    this.isUp = true;
  }
}

/** A socket that fails the way a connection to a stopped broker does. */
function refused(host: string, port: number): Socket {
  const socket = new Socket();
  setImmediate(() =>
    socket.destroy(
      socketError(`connect ECONNREFUSED ${host}:${port} (switched off)`, 'ECONNREFUSED'),
    ),
  );
  return socket;
}

function socketError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
