/**
 * From a zoo.cfg (or no file at all) to what the server commands start: a standalone server or
 * an ensemble member, with ZooKeeper's keys mapped onto Paddock's options.
 * @module
 */
import { resolve } from 'node:path'
import { loadMyid, loadZooCfg, parseZooCfg, type ZooConfig } from '../config/zoo-cfg.js'
import type { ServerTlsOptions } from '../host/tls.js'
import { serverOptionsFor } from '../host/zoo-cfg-options.js'

/** What `paddock server` runs. */
export interface Launch {
  /** The config file used, or undefined for the built-in defaults. */
  file: string | undefined
  /** The parsed configuration. */
  config: ZooConfig
  /** This member's id in an ensemble; undefined when standalone. */
  myid: number | undefined
  /** Where the client port listens: every address (`0.0.0.0`) with a zoo.cfg that names none, as ZooKeeper. */
  host: string
  /** Where commands on this machine reach the client port: `host`, or loopback when it is every address. */
  localHost: string
  /** The client port local commands probe: clientPort, or secureClientPort when the file sets only that. */
  port: number
  /**
   * The server's TLS settings when {@link Launch.port} speaks only TLS: probes then connect with
   * TLS, presenting the server's own certificate (as zkServer.sh status does with the server's
   * ssl.* settings).
   */
  probeTls: ServerTlsOptions | undefined
  /** The data directory (pid file, log file, LevelDB). */
  dataDir: string
}

/** Defaults with no config at all: standalone on 127.0.0.1:2181 with dataDir ./data. */
const noConfig = 'tickTime=2000\nclientPort=2181\nclientPortAddress=127.0.0.1\ndataDir=./data\n'

/** The wildcard addresses: listening on every interface. */
const everyAddress = new Set(['0.0.0.0', '::', '[::]'])

/**
 * Loads the configuration (and myid for an ensemble); every error names the file, or the
 * environment variable. `env`'s `PADDOCK_*` variables override the file's keys (and the
 * defaults without a file).
 */
export async function loadLaunch(file: string | undefined, env?: Readonly<Record<string, string | undefined>>): Promise<Launch> {
  const options = env === undefined ? {} : { env }
  const config = file === undefined ? parseZooCfg(noConfig, '(defaults)', options) : await loadZooCfg(file, options)
  // As ZooKeeper's QuorumPeerConfig.isDistributed: more than one voter, or standaloneEnabled=false.
  const voters = config.servers.filter((s) => s.role === 'participant').length
  const myid = voters > 1 || (!config.standaloneEnabled && voters > 0) ? await loadMyid(config) : undefined
  const server = serverOptionsFor(config, myid)
  config.dataDir = server.dataDir
  const plain = server.port !== undefined
  const host = plain ? server.host : (server.tls?.host ?? server.host)
  const localHost = everyAddress.has(host) ? '127.0.0.1' : host
  const port = server.port ?? server.tls?.port ?? 0
  const probeTls = plain ? undefined : server.tls
  return { file: file === undefined ? undefined : resolve(file), config, myid, host, localHost, port, probeTls, dataDir: server.dataDir }
}
