/**
 * Assembling a member, the one way for both entry points: a standalone server (`createServer`) is
 * an ensemble of one voter with no transport, an ensemble member (`startMember`) has its peers.
 * Either way: storage opened and recovered, the ZAB core and the replication runtime over the
 * request pipeline, then the client port, the admin server and the Prometheus endpoint.
 *
 * What the options may leave out is loaded only when they ask for it (dynamic `import()`): LevelDB
 * for a dataDir, TLS, SASL, the admin server with its console and backups, the Prometheus
 * endpoint. A server in memory with none of them starts without loading their modules.
 * @module
 */
import { randomInt } from 'node:crypto'
import { join } from 'node:path'
import type { ServerSpec } from '../config/zoo-cfg.js'
import {
  electionFinalizeWaitMs,
  electionNotificationIntervalMsMax,
  electionNotificationIntervalMsMin,
  initLimitTicksDefault,
  syncLimitTicksDefault,
  zabTickMsDefault,
  zkElectionFinalizeWaitMs,
} from '../limits.js'
import type { PeerTransport } from '../peer/transport.js'
import { Pipeline } from '../server/pipeline.js'
import { recover } from '../server/recovery.js'
import { Replication, type ReplicationLogger } from '../server/replication.js'
import { startClientPort, type ClientPortOptions } from '../wire/server.js'
import { hierarchicalQuorum, isMemberOf, majorityQuorum, ZabPeer, type MemberConfig, type QuorumVerifier, type ZabLimits } from '../zab/index.js'
import { dynamicConfigText, serversOfText } from '../config/dynamic-config.js'
import { peerAddressesOf, reconfigPlanner, writeDynamicConfig } from './reconfig.js'
import { levelSubdirectory } from '../../storage/level-layout.js'
import type { Storage } from '../../storage/types.js'
import { createVolatileStorage } from '../../storage/volatile-storage.js'
import type { AdminBackupSource } from './admin-backup.js'
import type { AdminTlsOptions } from './admin-server.js'
import { MemberClientPortBackend } from './client-port.js'
import type { ClientAuthenticator } from './sasl.js'
import { RunningMember, stopCore, type Core, type CurrentMember, type Ports } from './running-member.js'
import type { LoadedTls } from './tls.js'
import type { AdminServerTlsOptions, MemberStartOptions, ServerOptions } from './types.js'

/** What {@link launch} assembles: one member and how it reaches the others. */
export interface LaunchSpec {
  /** The server's options. */
  readonly options: ServerOptions & Pick<MemberStartOptions, 'initLimit' | 'syncLimit' | 'zabTickMs' | 'seed' | 'standaloneEnabled' | 'quorumGroups' | 'quorumWeights' | 'leaderServes' | 'configVersion' | 'zooCfgPath' | 'peerProtocol'>
  /** This member's id. */
  readonly myid: number
  /** Every member of the configuration, this one included. */
  readonly servers: readonly ServerSpec[]
  /** Where the client port listens, if anywhere. */
  readonly clientPort: { port: number; host: string } | undefined
  /** Where the member reports. */
  readonly logger: ReplicationLogger
  /** Connects the member to its peers; absent for a member alone in its configuration. */
  readonly connectPeers?: (replication: Replication) => Promise<PeerTransport>
  /** Resolve only once the member serves (a standalone server); an ensemble member returns at once. */
  readonly waitUntilServing: boolean
}

/** The storage the options ask for: the one given, LevelDB in dataDir, or one that keeps nothing. */
async function storageFor(options: ServerOptions): Promise<Storage> {
  if (options.storage !== undefined) return options.storage
  if (options.dataDir === undefined) return createVolatileStorage()
  const { createLevelStorage } = await import('../../storage/level-storage.js')
  return createLevelStorage({ dataDir: options.dataDir, logger: storageLogger })
}

/** Client authentication as the options ask for it (SASL users, enforced schemes), or none. */
async function clientAuthFor(options: ServerOptions): Promise<ClientAuthenticator | undefined> {
  if (options.sasl === undefined && options.enforceAuth === undefined) return undefined
  const { loadClientAuth } = await import('./sasl.js')
  return loadClientAuth(options.sasl, options.enforceAuth, options.tls !== undefined, options.clientPortLogger ?? authLogger)
}

/** The client port's certificates as the options ask for them, or none. */
async function serverTlsFor(options: ServerOptions): Promise<LoadedTls | undefined> {
  if (options.tls === undefined) return undefined
  const { loadServerTls } = await import('./tls.js')
  return loadServerTls(options.tls)
}

/** The storage's log lines as a server prints them: no debug chatter, the rest prefixed. */
const storageLogger = {
  debug: () => {},
  info: (line: string) => console.info(`paddock: ${line}`),
  warn: (line: string) => console.warn(`paddock: ${line}`),
}

/**
 * Starts the member `spec` describes; on failure everything already started is stopped again.
 * TLS settings are read first: certificates that cannot be served stop the start before any
 * storage is opened or port bound.
 */
export async function launch(spec: LaunchSpec): Promise<RunningMember> {
  const auth = await clientAuthFor(spec.options)
  const tls = await serverTlsFor(spec.options)
  const adminTls = spec.options.adminServerTls === undefined ? undefined : await loadAdminTls(spec.options.adminServerTls)
  if (tls !== undefined && tls.clientPort.port === undefined && !(tls.clientPort.portUnification === true && spec.clientPort !== undefined)) {
    throw new TypeError('tls: no port would speak TLS: give tls.port (a TLS-only port), or port with tls.portUnification')
  }
  const storage = await storageFor(spec.options)
  let core: Core
  try {
    core = await assemble(spec, storage)
  } catch (error) {
    await storage.close()
    throw error
  }
  const running = new RunningMember(spec.myid, core, {
    logger: spec.logger,
    rebuild: (storage) => assemble(spec, storage),
    ports: (current) => openPorts(spec, current, tls, auth, adminTls),
  })
  try {
    if (spec.waitUntilServing) await core.replication.whenServing()
    await running.start()
    return running
  } catch (error) {
    await running.close()
    throw error
  }
}

/** Recovers a member from `storage` (opening it if need be) and starts its replication; on failure stops what started, except the storage. */
async function assemble(spec: LaunchSpec, storage: Storage): Promise<Core> {
  const { options, myid } = spec
  const voters = spec.servers.filter((s) => s.role === 'participant').map((s) => s.id)
  const observers = spec.servers.filter((s) => s.role === 'observer').map((s) => s.id)
  const member = new Pipeline({ ...options, myid })
  // One participant runs standalone (Mode: standalone), unless standaloneEnabled=false makes it an ensemble of one.
  member.standalone = voters.length === 1 && observers.length === 0 && options.standaloneEnabled !== false
  member.metrics.quorumSize = voters.length
  let replication: Replication | undefined
  let transport: PeerTransport | undefined
  try {
    const recovered = await recover(member, storage, (line) => spec.logger.error(line))
    const zabTickMs = options.zabTickMs ?? (member.standalone ? member.options.tickTimeMs : zabTickMsDefault)
    const seed = options.seed ?? randomInt(2 ** 31)
    refuseIfRemoved(recovered.config, myid)
    const zab = new ZabPeer(
      {
        id: myid, quorum: quorumOf(options, voters, observers), random: mulberry32(seed), limits: zabLimits(options, voters.length, member.options.tickTimeMs, zabTickMs),
        configVersion: options.configVersion ?? 0, configText: dynamicConfigText(spec.servers),
        // On ZooKeeper's protocol only a leader accepts learners, as Apache members expect.
        answerLearnersWhenNotLeading: options.peerProtocol !== 'zookeeper',
      },
      recovered,
    )
    const random = options.seed === undefined ? Math.random : mulberry32(seed ^ 0x5eed)
    replication = new Replication(zab, member, storage, { ...options, zabTickMs, random, logger: spec.logger, announceRoles: !member.standalone })
    if (recovered.fromSnapshot) replication.restoredFrom(recovered.snapshotZxid)
    if (spec.connectPeers !== undefined) transport = await spec.connectPeers(replication)
    const core: Core = { member, storage, replication, transport, servers: spec.servers }
    if (!member.standalone) takeUpConfigurations(spec, core, zab.config.active)
    replication.start(transport)
    return core
  } catch (error) {
    await stopCore({ member, storage, replication, transport }, false)
    throw error
  }
}

/**
 * The client port's options: the plain-text listener at `address` (if any), the TLS listeners
 * `tls` asks for (if any).
 */
function clientPortOptions(address: { port: number; host: string } | undefined, tls: LoadedTls | undefined, member: Pipeline, options: ServerOptions): ClientPortOptions {
  return {
    ...(address === undefined ? {} : { port: address.port }),
    host: address?.host ?? options.host ?? '127.0.0.1',
    ...(tls === undefined ? {} : { tls: tls.clientPort }),
    maxBufferBytes: member.options.maxDataBytes,
    ...(options.maxClientCnxns === undefined ? {} : { maxClientCnxns: options.maxClientCnxns }),
    ...(options.maxCnxns === undefined ? {} : { maxCnxns: options.maxCnxns }),
    ...(options.globalOutstandingLimit === undefined ? {} : { globalOutstandingLimit: options.globalOutstandingLimit }),
    ...(options.fourLetterWordsWhitelist === undefined ? {} : { fourLetterWordsWhitelist: options.fourLetterWordsWhitelist }),
    ...(options.readOnlyModeEnabled === true ? { readOnlyModeEnabled: true } : {}),
    ...(options.clientPortLogger === undefined ? {} : { logger: options.clientPortLogger }),
  }
}

/**
 * Opens the client port and the admin server over the member `current` returns (it changes when a
 * storage fault rebuilds the member). The backend is shared by both, so they see one trace mask.
 * The transaction log and the snapshots both live in the LevelDB database under `dataDir/level`,
 * so that one directory is the data and the log directory alike, and is measured for `dirs` only
 * when it is the server's own storage (not a `storage` passed in).
 */
async function openPorts(spec: LaunchSpec, current: CurrentMember, tls: LoadedTls | undefined, auth: ClientAuthenticator | undefined, adminTls: AdminTlsOptions | undefined): Promise<Ports> {
  const { options } = spec
  const dataDir = options.dataDir ?? ''
  const ownLevel = options.storage === undefined && options.dataDir !== undefined
  const member = () => current.core.member
  const backend = new MemberClientPortBackend(member(), {
    mode: () => member().mode,
    dataDir,
    dataLogDir: dataDir,
    storageDirectory: ownLevel ? join(dataDir, levelSubdirectory) : undefined,
    learners: () => (member().role === 'leader' ? current.core.replication.zab.status().learners : undefined),
    health: () => current.health,
    x509SuperUser: options.tls?.x509SuperUser,
    auth,
    refusesSessions: () => options.leaderServes === false && member().role === 'leader' && !member().standalone,
  })
  const ports: Ports = { backend, clientPort: undefined, admin: undefined }
  try {
    if (spec.clientPort !== undefined || tls?.clientPort.port !== undefined) {
      const clientPort = await startClientPort(backend, { ...clientPortOptions(spec.clientPort, tls, member(), options), onThrottle: () => current.healthMayHaveChanged() })
      ports.clientPort = clientPort
      if (options.tls !== undefined) ports.certificateWatch = (await import('./tls.js')).startCertificateReload(clientPort, options.tls, options.clientPortLogger ?? reloadLogger)
    }
    const standalone = member().standalone
    const ensemble = standalone ? undefined : { myid: spec.myid, get servers() { return current.core.servers ?? spec.servers }, status: () => current.core.replication.zab.status() }
    const sources = {
      get member() {
        return member()
      },
      backend,
      clientPort: ports.clientPort,
      ensemble,
      get snapshots() {
        return current.core.replication
      },
      initialConfiguration: options.initialConfiguration,
      health: () => current.health,
      backup: options.adminServerPort === undefined ? undefined : await backupSource(current, options),
    }
    if (options.adminServerPort !== undefined) {
      const adminX509SuperUser = options.adminServerTls?.x509SuperUser ?? options.tls?.x509SuperUser
      const { startAdminServerIfEnabled } = await import('./admin-server.js')
      ports.admin = await startAdminServerIfEnabled(sources, { ...options, adminServerTls: adminTls, adminX509SuperUser })
    }
    if (options.metricsPort !== undefined) {
      const { startMetricsServer } = await import('./metrics-server.js')
      ports.metrics = await startMetricsServer(sources, { port: options.metricsPort, ...(options.metricsHost === undefined ? {} : { host: options.metricsHost }) })
    }
    return ports
  } catch (error) {
    await ports.admin?.close()
    ports.certificateWatch?.close()
    await ports.clientPort?.close()
    throw error
  }
}

/** The admin server's `snapshot` and `restore` commands over `current`, with the options' settings. */
async function backupSource(current: CurrentMember, options: LaunchSpec['options']): Promise<AdminBackupSource> {
  const { memberBackupSource } = await import('./member-backup.js')
  const { adminRateLimiterIntervalMsDefault } = await import('./admin-backup.js')
  // A restore entry has no ZooKeeper record: Apache members could not take it.
  const unavailable = options.peerProtocol === 'zookeeper' ? 'restore is not available with peerProtocol=zookeeper: the Apache ZooKeeper members of the ensemble cannot take a restore' : undefined
  return memberBackupSource(current, {
    snapshotEnabled: options.adminSnapshotEnabled === true,
    restoreEnabled: options.adminRestoreEnabled === true,
    allowRemote: options.adminSnapshotAllowRemote === true,
    rateLimiterIntervalMs: options.adminRateLimiterIntervalMs ?? adminRateLimiterIntervalMsDefault,
  }, unavailable)
}

/**
 * The admin server's key and certificate, read from the key store (named as zoo.cfg's
 * `ssl.quorum.keyStore`) or taken as PEM, and with `needClientAuth` the CAs of client
 * certificates (`ssl.quorum.trustStore`, or PEM).
 */
async function loadAdminTls(options: AdminServerTlsOptions): Promise<AdminTlsOptions> {
  const { readKeyStore, TlsConfigError } = await import('./tls-stores.js')
  const clientAuth = options.needClientAuth === true ? { needClientAuth: true, ca: await adminClientCa(options) } : {}
  if (options.keyStore === undefined) {
    if (options.key === undefined || options.cert === undefined) throw new TlsConfigError('ssl.quorum.keyStore.location', undefined, 'HTTPS on the admin server needs a key store (or adminServerTls.key and .cert)')
    return { key: options.key, cert: options.cert, passphrase: options.passphrase, ...clientAuth }
  }
  const material = await readKeyStore('ssl.quorum.keyStore', options.keyStore)
  const keys = material.kind === 'pkcs12' ? { pfx: material.pfx, passphrase: material.passphrase } : { key: material.key, cert: material.cert, passphrase: material.passphrase }
  return { ...keys, ...clientAuth }
}

/** The CAs that vouch for the admin server's client certificates: the trust store, or `ca`. */
async function adminClientCa(options: AdminServerTlsOptions): Promise<string | Buffer> {
  const { readTrustStore, TlsConfigError } = await import('./tls-stores.js')
  if (options.trustStore !== undefined) return readTrustStore('ssl.quorum.trustStore', options.trustStore)
  if (options.ca !== undefined) return options.ca
  throw new TlsConfigError('ssl.quorum.trustStore.location', undefined, 'admin.needClientAuth=true needs a trust store that vouches for client certificates (or adminServerTls.ca)')
}

/** Where authentication is reported without a clientPortLogger: refusals only, as the client port reports its own. */
const authLogger = {
  warn: (line: string) => console.warn(`paddock: ${line}`),
  info: () => {},
}

/** Where certificate reloads are reported without a clientPortLogger: both outcomes, as an operator wants to see them. */
const reloadLogger = {
  warn: (line: string) => console.warn(`paddock: ${line}`),
  info: (line: string) => console.info(`paddock: ${line}`),
}

function zabLimits(options: LaunchSpec['options'], voterCount: number, tickTimeMs: number, zabTickMs: number): Partial<ZabLimits> {
  const ticks = (ms: number) => Math.max(1, Math.ceil(ms / zabTickMs))
  const syncLimitTicks = Math.max(2, ticks((options.syncLimit ?? syncLimitTicksDefault) * tickTimeMs))
  return {
    electionTimeoutTicks: ticks(electionNotificationIntervalMsMin),
    electionTimeoutMaxTicks: ticks(electionNotificationIntervalMsMax),
    // A lone voter's own vote is the quorum: no later vote can change the outcome.
    finalizeWaitTicks: voterCount === 1 ? 0 : ticks(options.peerProtocol === 'zookeeper' ? zkElectionFinalizeWaitMs : electionFinalizeWaitMs),
    syncLimitTicks,
    initLimitTicks: Math.max(syncLimitTicks, ticks((options.initLimit ?? initLimitTicksDefault) * tickTimeMs)),
  }
}

/**
 * A member its last configuration does not name does not start again, as ZooKeeper refuses a
 * myid not in its configuration: a reconfig removed it, or it synced as a joiner and was never
 * added.
 */
function refuseIfRemoved(config: MemberConfig | undefined, myid: number): void {
  if (config === undefined || isMemberOf(config, myid)) return
  throw new Error(`member ${myid} is not in the configuration it last synced with (version 0x${config.version.toString(16)}): a reconfig removed it, or it joined and was never added. To join the ensemble, start it with an empty dataDir and add it with reconfig -add`)
}

/**
 * An ensemble member shows its active configuration in /zookeeper/config (ZooKeeper:
 * initConfigInZKDatabase), may prepare reconfigs, and follows each configuration that becomes
 * active: its transport dials the members it names, the admin server lists them, and a member
 * started from a zoo.cfg writes the files ZooKeeper writes.
 */
function takeUpConfigurations(spec: LaunchSpec, core: Core, active: MemberConfig): void {
  const { member, replication, transport } = core
  const { options, logger } = spec
  member.setReconfigSupport({ ensemble: replication.ensembleState, planner: reconfigPlanner, standaloneEnabled: options.standaloneEnabled !== false, warn: (line) => logger.info(line) })
  const startupVersion = options.configVersion ?? 0
  const follow = (config: MemberConfig, persisted: boolean): void => {
    // The start-up configuration as another member wrote it (its own view of the addresses, say
    // through proxies) changes nothing here: only a configuration a reconfig made is taken up.
    if (config.version <= startupVersion) return
    let servers: ServerSpec[]
    try {
      servers = serversOfText(config.text)
    } catch (error) {
      return logger.error(`configuration 0x${config.version.toString(16)} does not read, members unchanged: ${(error as Error).message}`)
    }
    core.servers = servers
    member.metrics.quorumSize = servers.filter((s) => s.role === 'participant').length
    transport?.setMembers?.(peerAddressesOf(servers))
    if (!persisted || options.zooCfgPath === undefined) return
    writeDynamicConfig(options.zooCfgPath, config.version, config.text).then(
      (file) => logger.info(`configuration 0x${config.version.toString(16)} active: wrote ${file}`),
      (error: unknown) => logger.error(`configuration 0x${config.version.toString(16)} active, but writing it next to ${options.zooCfgPath} failed: ${(error as Error).message}`),
    )
  }
  member.showConfig(active.text, active.version)
  // A configuration restored from disk, later than the start-up one: reach its members.
  follow(active, false)
  replication.onConfig = (config) => follow(config, true)
}

/** The quorum verifier the options ask for: hierarchical with groups or weights (checked by startMember), else a majority. */
function quorumOf(options: LaunchSpec['options'], voters: number[], observers: number[]): QuorumVerifier {
  if (options.quorumGroups === undefined && options.quorumWeights === undefined) return majorityQuorum(voters, observers)
  const weights = new Map(Object.entries(options.quorumWeights ?? {}).map(([sid, weight]) => [Number(sid), weight]))
  return hierarchicalQuorum(voters, observers, options.quorumGroups ?? [], weights)
}

/** A small seeded PRNG for the ZAB core's election jitter. */
function mulberry32(seed: number): () => number {
  let a = seed | 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

