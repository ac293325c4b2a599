/**
 * Member-to-member transports: TCP between processes, an in-memory hub within one.
 * @module
 */
export type { PeerChannel, PeerHandler, PeerTransport } from './transport.js'
export { MemoryHub, MemoryTransport } from './memory.js'
export { PeerBindError, startTcpTransport, type PeerAddress, type PeerEndpoint, type TcpPeerTransport, type TcpTransportOptions } from './tcp.js'
export type { PeerTlsOptions } from './tls.js'
