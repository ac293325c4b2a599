/**
 * From a zoo.cfg (or no file at all) to what the server commands start: a standalone server or
 * an ensemble member, with ZooKeeper's keys mapped onto Paddock's options.
 * @module
 */
import { resolve } from 'node:path'
import { loadMyid, loadZooCfg, parseZooCfg, type ZooConfig } from '../config/zoo-cfg.js'
import type { ServerOptions } from '../server/server.js'

/** What `paddock server` runs. */
export interface Launch {
  /** The config file used, or undefined for the built-in defaults. */
  file: string | undefined
  /** The parsed configuration. */
  config: ZooConfig
  /** This member's id in an ensemble; undefined when standalone. */
  myid: number | undefined
  /** Where the client port listens. */
  host: string
  /** The client port. */
  port: number
  /** The data directory (pid file, log file, LevelDB). */
  dataDir: string
}

/** Defaults with no config at all: standalone on 127.0.0.1:2181 with dataDir ./data. */
const noConfig = 'tickTime=2000\nclientPort=2181\ndataDir=./data\n'

/** Loads the configuration (and myid for an ensemble); every error names the file. */
export async function loadLaunch(file: string | undefined): Promise<Launch> {
  const config = file === undefined ? parseZooCfg(noConfig, '(defaults)') : await loadZooCfg(file)
  const dataDir = resolve(config.dataDir ?? './data')
  config.dataDir = dataDir
  const ensemble = config.servers.length > 1
  const myid = ensemble ? await loadMyid(config) : undefined
  const me = config.servers.find((s) => s.id === myid)
  const port = config.clientPort ?? me?.clientPort ?? 2181
  const host = config.clientPortAddress ?? me?.clientAddress ?? '127.0.0.1'
  return { file: file === undefined ? undefined : resolve(file), config, myid, host, port, dataDir }
}

/** The server options a configuration stands for. */
export function serverOptions(launch: Launch): ServerOptions {
  const c = launch.config
  return {
    dataDir: launch.dataDir,
    port: launch.port,
    host: launch.host,
    tickTimeMs: c.tickTimeMs,
    minSessionTimeoutMs: c.minSessionTimeoutMs,
    maxSessionTimeoutMs: c.maxSessionTimeoutMs,
    maxDataBytes: c.juteMaxBuffer,
    maxClientCnxns: c.maxClientCnxns,
    fourLetterWordsWhitelist: c.fourLetterWordsWhitelist,
    snapCount: c.snapCount,
    snapRetainCount: c.snapRetainCount,
    purgeIntervalHours: c.purgeIntervalHours,
    extendedTypesEnabled: c.extendedTypesEnabled,
    ...(c.superDigest === undefined ? {} : { superDigest: c.superDigest }),
    ...(c.adminServerPort === undefined ? {} : { adminServerPort: c.adminServerPort }),
    ...(c.adminServerAddress === undefined ? {} : { adminServerHost: c.adminServerAddress }),
  }
}
