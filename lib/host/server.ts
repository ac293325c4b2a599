/**
 * The embedding API's entry points: `createServer()` starts a standalone server in this process
 * (an ensemble of one), `startMember()` one member of an ensemble. Both return a running member
 * whose `connect()` opens an in-process session with no socket in between. The member-to-member
 * transport and the quorum's TLS and SASL are loaded only by a member that uses them.
 * @module
 */
import { certReloadSettleMs } from '../limits.js'
import type { PeerAddress, TcpPeerTransport } from '../peer/tcp.js'
import type { PeerTlsOptions } from '../peer/tls.js'
import type { PeerSaslOptions } from '../peer/sasl.js'
import type { PeerHandler, PeerTransport } from '../peer/transport.js'
import type { Replication, ReplicationLogger } from '../server/replication.js'
import { quorumGroupsOf } from '../config/zoo-cfg-quorum.js'
import { launch } from './launch.js'
import { peerAddressesOf } from './reconfig.js'
import type { QuorumTlsOptions } from './quorum-tls.js'
import type { MemberServer, MemberStartOptions, Server, ServerOptions } from './types.js'

/** The id of a standalone server when `myid` is not given (the top byte of its session ids). */
const standaloneIdDefault = 0

/**
 * Starts a Paddock server in this process: in memory by default, durable with `dataDir`, in which
 * case the state of the last run is restored first (snapshot plus log replay). It resolves once
 * the server serves.
 */
export async function createServer(options: ServerOptions = {}): Promise<Server> {
  const myid = options.myid ?? options.serverId ?? standaloneIdDefault
  const self = { id: myid, host: '127.0.0.1', quorumPort: 0, electionPort: 0, role: 'participant' as const, clientAddress: undefined, clientPort: undefined }
  return launch({
    options,
    myid,
    servers: [self],
    clientPort: options.port === undefined ? undefined : { port: options.port, host: options.host ?? '127.0.0.1' },
    logger: { info: (line) => console.info(`paddock: ${line}`), error: (line) => console.error(`paddock: ${line}`) },
    waitUntilServing: true,
  })
}

/** Starts one ensemble member; it elects or joins a leader on its own and serves once established. */
export async function startMember(options: MemberStartOptions): Promise<MemberServer> {
  const me = options.servers.find((s) => s.id === options.myid)
  if (me === undefined) throw new RangeError(`myid ${options.myid} is not among the servers`)
  if (options.storage === undefined && options.dataDir === undefined) throw new TypeError('an ensemble member needs dataDir or storage')
  checkQuorumGroups(options)
  checkPeerProtocol(options)
  const logger = options.logger ?? consoleLogger(options.myid)
  const port = options.port ?? me.clientPort
  const tls = options.quorumTls === undefined ? undefined : await (await import('./quorum-tls.js')).loadQuorumTls(options.quorumTls)
  const sasl = options.quorumSasl === undefined ? undefined : await (await import('./quorum-sasl.js')).loadQuorumSasl(options.quorumSasl, options.myid)
  return launch({
    options,
    myid: options.myid,
    servers: options.servers,
    clientPort: port === undefined ? undefined : { port, host: options.host ?? me.clientAddress ?? '127.0.0.1' },
    logger,
    connectPeers: (replication) => connectPeers(options, replication, logger, tls, sasl),
    waitUntilServing: false,
  })
}

async function connectPeers(
  options: MemberStartOptions,
  replication: Replication,
  logger: ReplicationLogger,
  tls: PeerTlsOptions | undefined,
  sasl: PeerSaslOptions | undefined,
): Promise<PeerTransport> {
  const handler = {
    message: replication.receive.bind(replication),
    disconnected: replication.disconnected.bind(replication),
    fatal: replication.failStop.bind(replication),
  }
  if (options.hub !== undefined) return Promise.resolve(options.hub.join(options.myid, handler))
  if (options.peerProtocol === 'zookeeper') return connectZooKeeperPeers(options, replication, handler, logger, { tls, sasl })
  const members = new Map<number, PeerAddress>(options.servers.map((s) => [s.id, { host: s.host, quorumPort: s.quorumPort, electionPort: s.electionPort, ...(s.addresses === undefined ? {} : { addresses: s.addresses }) }]))
  const { startTcpTransport } = await import('../peer/tcp.js')
  const transport = await startTcpTransport({
    myid: options.myid,
    members,
    handler,
    log: (line) => logger.info(line),
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
    ...(options.quorumListenOnAllIPs === undefined ? {} : { listenOnAllIPs: options.quorumListenOnAllIPs }),
    ...(options.electionPortBindRetry === undefined ? {} : { electionPortBindRetry: options.electionPortBindRetry }),
    // A server joining before a reconfig names it is accepted only where reconfig may name it.
    ...(options.reconfigEnabled === true ? { acceptUnknownMembers: true } : {}),
  })
  return withCertificateReloadIfAsked(transport, options, tls, logger)
}

/** The transport, watching the quorum certificate files when sslQuorumReloadCertFiles asks for it. */
function withCertificateReloadIfAsked(transport: ReloadableTransport, options: MemberStartOptions, tls: PeerTlsOptions | undefined, logger: ReplicationLogger): PeerTransport | Promise<PeerTransport> {
  const quorumTls = options.quorumTls
  if (tls === undefined || quorumTls?.reloadCertFiles !== true) return transport
  return withCertificateReload(transport, quorumTls, logger)
}

/**
 * `peerProtocol=zookeeper`: the transport that speaks Apache ZooKeeper's member-to-member
 * protocol, reading ZooKeeper's transactions and snapshots with the migration codecs.
 */
async function connectZooKeeperPeers(
  options: MemberStartOptions,
  replication: Replication,
  handler: PeerHandler,
  logger: ReplicationLogger,
  { tls, sasl }: { tls: PeerTlsOptions | undefined; sasl: PeerSaslOptions | undefined },
): Promise<PeerTransport> {
  const [{ startZkPeerTransport }, { zkConfigText }, { zkLeaderPayloads, zkPeerPayloads }, { dynamicConfigText }, { zooKeeperSessionPasswd }] = await Promise.all([
    import('../peer/zookeeper/transport.js'),
    import('../peer/zookeeper/mapping.js'),
    import('../migrate/zk-peer-payloads.js'),
    import('../config/dynamic-config.js'),
    import('../migrate/zk-format.js'),
  ])
  const member = replication.member
  // Sessions this member opens must resume on the Apache members, which derive the password.
  member.sessionPasswd = zooKeeperSessionPasswd
  const version = options.configVersion ?? 0
  const transport = await startZkPeerTransport({
    myid: options.myid,
    members: peerAddressesOf(options.servers),
    handler,
    payloads: zkPeerPayloads({
      sessionTimeoutMs: (sessionId) => member.sessions.get(sessionId)?.timeoutMs,
      ephemeralPaths: (sessionId) => [...(member.tree.ephemerals.get(sessionId) ?? [])],
    }),
    leaderPayloads: zkLeaderPayloads({ sessionValid: (sessionId) => member.sessions.get(sessionId) !== undefined }),
    startupConfigText: zkConfigText({ text: dynamicConfigText(options.servers), version }),
    startupConfigVersion: version,
    log: (line) => logger.info(line),
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  })
  return withCertificateReloadIfAsked(transport, options, tls, logger)
}

/** A transport whose members and TLS certificates can be replaced while it runs (either protocol's). */
type ReloadableTransport = PeerTransport & Pick<TcpPeerTransport, 'setMembers' | 'replaceTls'>

/**
 * sslQuorumReloadCertFiles: once the quorum key store or trust store file changes and settles,
 * new member connections use the new certificates; files that cannot be used are reported and
 * the certificates in use kept. The watch ends with the transport.
 */
async function withCertificateReload(transport: ReloadableTransport, options: QuorumTlsOptions, logger: ReplicationLogger): Promise<PeerTransport> {
  const { loadQuorumTls, quorumTlsFiles } = await import('./quorum-tls.js')
  const { watchFiles } = await import('./tls.js')
  // The logger is the embedder's code: what it throws must not become an unhandled rejection.
  const report = (say: () => void) => {
    try {
      say()
    } catch {
      // Nothing left to report it to.
    }
  }
  const reload = () => {
    loadQuorumTls(options).then(
      (tls) => {
        transport.replaceTls(tls)
        report(() => logger.info('reloaded the quorum TLS certificates (ssl.quorum.keyStore, ssl.quorum.trustStore)'))
      },
      (error: unknown) => report(() => logger.error(`kept the quorum TLS certificates in use: the new files cannot be used: ${(error as Error).message}`)),
    )
  }
  const watch = watchFiles(quorumTlsFiles(options), reload, certReloadSettleMs, (error) => logger.error(`watching the quorum TLS files failed: ${error.message}`))
  return {
    send: (to, channel, message) => transport.send(to, channel, message),
    connected: (peer, channel) => transport.connected(peer, channel),
    setMembers: (members) => transport.setMembers(members),
    close: () => {
      watch.close()
      return transport.close()
    },
  }
}

/**
 * Checks `quorumGroups` and `quorumWeights` against the servers with zoo.cfg's rules (every
 * participant in exactly one group, weights of at least 0 for declared servers, some group of
 * positive weight).
 * @throws RangeError naming the rule broken.
 */
function checkQuorumGroups(options: MemberStartOptions): void {
  const lines = [
    ...(options.quorumGroups ?? []).map((g) => ({ key: `group.${g.id}`, value: g.members.join(':') })),
    ...Object.entries(options.quorumWeights ?? {}).map(([sid, weight]) => ({ key: `weight.${sid}`, value: String(weight) })),
  ]
  quorumGroupsOf(lines, {
    roles: new Map(options.servers.map((s) => [s.id, s.role])),
    error: (_line, message) => new RangeError(`quorumGroups/quorumWeights: ${message}`),
    warn: () => {},
  })
}

/**
 * Checks `peerProtocol`: one of the two protocols (both carry quorum TLS and SASL).
 * @throws RangeError naming the setting.
 */
function checkPeerProtocol(options: MemberStartOptions): void {
  const protocol: unknown = options.peerProtocol
  if (protocol === undefined || protocol === 'paddock') return
  if (protocol !== 'zookeeper') throw new RangeError(`peerProtocol must be 'paddock' or 'zookeeper', not ${JSON.stringify(protocol)}`)
}

function consoleLogger(myid: number): ReplicationLogger {
  return {
    info: (line) => console.info(`paddock[${myid}]: ${line}`),
    error: (line) => console.error(`paddock[${myid}]: ${line}`),
  }
}
