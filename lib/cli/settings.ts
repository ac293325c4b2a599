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

/** Loads the configuration (and myid for an ensemble); every error names the file. */
export async function loadLaunch(file: string | undefined): Promise<Launch> {
  const config = file === undefined ? parseZooCfg(noConfig, '(defaults)') : await loadZooCfg(file)
  // As ZooKeeper's QuorumPeerConfig.isDistributed: more than one voter, or standaloneEnabled=false.
  const voters = config.servers.filter((s) => s.role === 'participant').length
  const myid = voters > 1 || (!config.standaloneEnabled && voters > 0) ? await loadMyid(config) : undefined
  const options = serverOptionsFor(config, myid)
  config.dataDir = options.dataDir
  const plain = options.port !== undefined
  const host = plain ? options.host : (options.tls?.host ?? options.host)
  const localHost = everyAddress.has(host) ? '127.0.0.1' : host
  const port = options.port ?? options.tls?.port ?? 0
  const probeTls = plain ? undefined : options.tls
  return { file: file === undefined ? undefined : resolve(file), config, myid, host, localHost, port, probeTls, dataDir: options.dataDir }
}
