/**
 * `paddock ui [--connect host:port[,host:port]] [--port N] [--host 127.0.0.1] [--tls-cert FILE
 * --tls-key FILE]`: serves the web console for any ZooKeeper-compatible ensemble (Apache
 * ZooKeeper's included) until Ctrl-C, over HTTPS when given a certificate and its key. Its
 * sessions are ordinary TCP sessions to the ensemble; the Ensemble and Metrics views ask every
 * listed server for `mntr` and `srvr`, the Sessions view for `cons`, `dump` and `wchc`, and the
 * Commands view runs the read-only four-letter words (which the servers must allow:
 * `4lw.commands.whitelist=mntr,srvr,cons,dump,wchc,...`; a word a server refuses leaves its part
 * of a view empty, with a note).
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { connect, parseConnectString, type HostAddress } from '../client/index.js'
import type { CommandJson } from '../console/api-types.js'
import { createConsole, type ConsoleSources } from '../console/console.js'
import { parseMntr, withSrvr, type MemberReport } from '../console/members.js'
import { sessionsFromFourLetterWords, type MemberSessionsReport } from '../console/sessions.js'
import { adminServerHostDefault, startConsoleServer, type AdminTlsOptions } from '../host/admin-server.js'
import { fourLetterWords } from '../wire/frames.js'
import { notServingText, notWhitelistedText } from '../wire/four-letter-words.js'
import { askFourLetterWord } from './four-letter.js'
import type { Output } from './server-command.js'

/** The port `paddock ui` listens on unless told otherwise. */
export const uiPortDefault = 8081

/** The ensemble `paddock ui` connects to unless told otherwise. */
export const uiConnectDefault = '127.0.0.1:2181'

/** The four-letter words that change something (statistics resets, the trace mask): never offered. */
const changingWords: ReadonlySet<string> = new Set(['crst', 'srst', 'stmk'])

/** The four-letter words the Commands view offers: every read-only one. */
export const uiFourLetterWords: readonly CommandJson[] = fourLetterWords.filter((w) => !changingWords.has(w)).map((name) => ({ name, aliases: [], kind: 'four-letter word' }))

/** The console's sources for an ensemble reached over TCP at `connectString`. */
export function tcpConsoleSources(connectString: string): ConsoleSources {
  const { hosts } = parseConnectString(connectString)
  const named = new Map(hosts.map((h) => [memberName(h), h]))
  return {
    target: connectString,
    openSession: () => connect(connectString),
    members: () => Promise.all(hosts.map(memberReport)),
    sessions: () => Promise.all(hosts.map(sessionsReport)),
    commands: uiFourLetterWords,
    runCommand: (member, word) => {
      const address = named.get(member)
      return address === undefined ? Promise.resolve(undefined) : askFourLetterWord(address.host, address.port, word)
    },
  }
}

function memberName(address: HostAddress): string {
  return `${address.host}:${address.port}`
}

/** One server's figures from `mntr` and `srvr`; a server without a leader answers neither, and is `looking`. */
async function memberReport(address: HostAddress): Promise<MemberReport> {
  const name = memberName(address)
  try {
    const ask = (word: string) => askFourLetterWord(address.host, address.port, word)
    const [mntr, srvr] = await Promise.all([ask('mntr'), ask('srvr').catch(() => '')])
    if (mntr.startsWith(notServingText)) return { name, mntr: { server_state: 'looking' }, error: 'not serving: no leader' }
    const figures = parseMntr(mntr)
    if (figures['server_state'] === undefined) return { name, error: mntr.trim() || 'no answer to mntr' }
    return { name, mntr: withSrvr(figures, srvr) }
  } catch (error) {
    return { name, error: error instanceof Error ? error.message : String(error) }
  }
}

/** A four-letter word's answer; undefined when the server refused it (not whitelisted, or not serving). */
async function answered(address: HostAddress, word: string): Promise<string | undefined> {
  const text = await askFourLetterWord(address.host, address.port, word)
  return text === notWhitelistedText(word) || text.startsWith(notServingText) ? undefined : text
}

/** One server's sessions from `cons`, `dump` and `wchc`, noting the words it refused. */
async function sessionsReport(address: HostAddress): Promise<MemberSessionsReport> {
  const name = memberName(address)
  try {
    const words = ['cons', 'dump', 'wchc'] as const
    const [cons, dump, wchc] = await Promise.all(words.map((w) => answered(address, w)))
    const sessions = sessionsFromFourLetterWords({ cons: cons ?? '', dump: dump ?? '', wchc: wchc ?? '' }, Date.now())
    const refused = words.filter((_, i) => [cons, dump, wchc][i] === undefined)
    return { name, sessions, ...(refused.length === 0 ? {} : { error: `${refused.join(', ')} not answered (not serving, or not in 4lw.commands.whitelist)` }) }
  } catch (error) {
    return { name, sessions: [], error: error instanceof Error ? error.message : String(error) }
  }
}

/** What `paddock ui` was asked for. */
interface UiOptions {
  connectString: string
  port: number
  host: string
  tls: AdminTlsOptions | undefined
}

/** Parses the arguments; a string is the usage error to print. */
async function parseUiOptions(argv: string[]): Promise<UiOptions | string> {
  let values: { connect?: string; port?: string; host?: string; 'tls-cert'?: string; 'tls-key'?: string }
  try {
    const options = { connect: { type: 'string', default: uiConnectDefault }, port: { type: 'string', default: String(uiPortDefault) }, host: { type: 'string', default: adminServerHostDefault }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' } } as const
    ;({ values } = parseArgs({ args: argv, options }))
  } catch (error) {
    return (error as Error).message
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port must be a port number, got ${JSON.stringify(values.port)}`
  const tls = await readTls(values['tls-cert'], values['tls-key'])
  if (typeof tls === 'string') return tls
  return { connectString: values.connect ?? uiConnectDefault, port, host: values.host ?? adminServerHostDefault, tls }
}

/** The certificate chain and key files (PEM) for HTTPS: both or neither. */
async function readTls(certFile: string | undefined, keyFile: string | undefined): Promise<AdminTlsOptions | undefined | string> {
  if (certFile === undefined && keyFile === undefined) return undefined
  if (certFile === undefined || keyFile === undefined) return 'HTTPS needs both --tls-cert (the certificate chain, PEM) and --tls-key (its private key, PEM)'
  try {
    const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)])
    return { cert, key }
  } catch (error) {
    return `cannot read the certificate or key: ${(error as Error).message}`
  }
}

/** Parses the options and serves the console until SIGINT or SIGTERM. */
export async function runUiCommand(argv: string[], io: Output): Promise<number> {
  const options = await parseUiOptions(argv)
  if (typeof options === 'string') {
    io.err(`paddock ui: ${options}`)
    return 2
  }
  let sources: ConsoleSources
  try {
    sources = tcpConsoleSources(options.connectString)
  } catch (error) {
    io.err(`paddock ui: --connect ${JSON.stringify(options.connectString)}: ${(error as Error).message}`)
    return 2
  }
  const server = await startConsoleServer(createConsole(sources), { port: options.port, host: options.host, tls: options.tls }).catch((error: unknown) => {
    io.err(`paddock ui: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  })
  if (server === undefined) return 1
  const { host, port: bound } = server.address
  io.out(`paddock: console for ${options.connectString} at ${server.protocol}://${host.includes(':') ? `[${host}]` : host}:${bound}/ ; Ctrl-C stops it`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await server.close()
  return 0
}
