/**
 * `paddock ui [--connect host:port[,host:port]] [--port N] [--host 127.0.0.1]`: serves the web
 * console for any ZooKeeper-compatible ensemble (Apache ZooKeeper's included) until Ctrl-C. Its
 * sessions are ordinary TCP sessions to the ensemble; the Ensemble and Metrics views ask every
 * listed server for `mntr`, `srvr` and `cons` (four-letter words, which the servers must allow:
 * `4lw.commands.whitelist=mntr,srvr,cons,...`; without `cons` no sessions are listed).
 * @module
 */
import { parseArgs } from 'node:util'
import { connect, parseConnectString, type HostAddress } from '../client/index.js'
import { createConsole, type ConsoleSources } from '../console/console.js'
import { parseCons, parseMntr, withSrvr, type MemberReport } from '../console/members.js'
import { adminServerHostDefault, startConsoleServer } from '../host/admin-server.js'
import { askFourLetterWord } from './four-letter.js'
import type { Output } from './server-command.js'

/** The port `paddock ui` listens on unless told otherwise. */
export const uiPortDefault = 8081

/** The ensemble `paddock ui` connects to unless told otherwise. */
export const uiConnectDefault = '127.0.0.1:2181'

/** The console's sources for an ensemble reached over TCP at `connectString`. */
export function tcpConsoleSources(connectString: string): ConsoleSources {
  const { hosts } = parseConnectString(connectString)
  return {
    target: connectString,
    openSession: () => connect(connectString),
    members: () => Promise.all(hosts.map(memberReport)),
  }
}

async function memberReport(address: HostAddress): Promise<MemberReport> {
  const name = `${address.host}:${address.port}`
  try {
    const ask = (word: string) => askFourLetterWord(address.host, address.port, word)
    const [mntr, srvr, cons] = await Promise.all([ask('mntr'), ask('srvr').catch(() => ''), ask('cons').catch(() => '')])
    const figures = parseMntr(mntr)
    if (figures['server_state'] === undefined) return { name, error: mntr.trim() || 'no mntr figures (is mntr in 4lw.commands.whitelist?)' }
    return { name, mntr: withSrvr(figures, srvr), sessions: parseCons(cons) }
  } catch (error) {
    return { name, error: error instanceof Error ? error.message : String(error) }
  }
}

/** Parses the options and serves the console until SIGINT or SIGTERM. */
export async function runUiCommand(argv: string[], io: Output): Promise<number> {
  let values: { connect?: string; port?: string; host?: string }
  try {
    ;({ values } = parseArgs({ args: argv, options: { connect: { type: 'string', default: uiConnectDefault }, port: { type: 'string', default: String(uiPortDefault) }, host: { type: 'string', default: adminServerHostDefault } } }))
  } catch (error) {
    io.err(`paddock ui: ${(error as Error).message}`)
    return 2
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`paddock ui: --port must be a port number, got ${JSON.stringify(values.port)}`)
    return 2
  }
  const connectString = values.connect ?? uiConnectDefault
  let sources: ConsoleSources
  try {
    sources = tcpConsoleSources(connectString)
  } catch (error) {
    io.err(`paddock ui: --connect ${JSON.stringify(connectString)}: ${(error as Error).message}`)
    return 2
  }
  const server = await startConsoleServer(createConsole(sources), { port, host: values.host ?? adminServerHostDefault }).catch((error: unknown) => {
    io.err(`paddock ui: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  })
  if (server === undefined) return 1
  const { host, port: bound } = server.address
  io.out(`paddock: console for ${connectString} at http://${host.includes(':') ? `[${host}]` : host}:${bound}/ ; Ctrl-C stops it`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await server.close()
  return 0
}
