/**
 * From a zoo.cfg (or no file at all) to what the server commands start: a standalone server or
 * an ensemble member, with ZooKeeper's keys mapped onto Paddock's options.
 * @module
 */
import { resolve } from 'node:path'
import { loadMyid, loadZooCfg, parseZooCfg, type ZooConfig } from '../config/zoo-cfg.js'
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
  /** The client port. */
  port: number
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
  const myid = config.servers.length > 1 ? await loadMyid(config) : undefined
  const options = serverOptionsFor(config, myid)
  config.dataDir = options.dataDir
  const localHost = everyAddress.has(options.host) ? '127.0.0.1' : options.host
  return { file: file === undefined ? undefined : resolve(file), config, myid, host: options.host, localHost, port: options.port, dataDir: options.dataDir }
}
