/**
 * `paddock data backup` and `paddock data restore`: the admin server's `snapshot` and `restore`
 * commands from the command line. A backup streams into a temporary file beside the target and is
 * renamed into place only once complete (its size checked against the server's `snapshot_size`),
 * so a failure never leaves a half-written file.
 *
 * Both commands need credentials, sent as the `Authorization` header ZooKeeper's admin server
 * reads: `--auth SCHEME[:CREDENTIAL]` (`digest:user:password`, `ip`, `x509`), or `--auth-file F`
 * holding the same text, which keeps a password out of the process list. Over HTTPS
 * (`admin.forceHttps`) they take the shell's TLS flags: `--tls`, `--ca F`, `--cert F`, `--key F`.
 * @module
 */
import { createWriteStream } from 'node:fs'
import { readFile, rename, rm } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { basename, dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { tlsConnectOptions } from '../client/tcp-connection.js'
import type { TcpTlsOptions } from '../client/types.js'
import { terminalProgress } from '../migrate/progress.js'
import type { Output } from './server-command.js'
import { noTlsArgs, shellTls } from './shell/tls.js'

/** Where the commands write, and stderr when it is a terminal (for the progress line). */
type DataCommandIO = Output & { progressStream?: NodeJS.WriteStream | undefined }

/** Time a backup or restore request may take before the command gives up, in ms. */
const requestTimeoutMs = 10 * 60_000

/** `host:port` of an admin server, split; undefined when it does not parse. */
function adminAddress(connect: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(connect)
  if (match === null) return undefined
  const port = Number(match[2])
  return port > 0 && port < 65536 ? { host: match[1]!.replace(/^\[|\]$/g, ''), port } : undefined
}

/** Where and how a command reaches the admin server. */
interface AdminTarget {
  readonly address: { host: string; port: number }
  /** The `Authorization` header value; undefined sends none (the server answers 401). */
  readonly authorization: string | undefined
  /** HTTPS with these settings; undefined for plain HTTP. */
  readonly tls: TcpTlsOptions | undefined
}

function send(target: AdminTarget, method: 'GET' | 'POST', path: string, body?: Uint8Array): Promise<IncomingMessage> {
  const { address, authorization, tls } = target
  const headers: OutgoingHttpHeaders = {
    ...(authorization === undefined ? {} : { Authorization: authorization }),
    ...(body === undefined ? {} : { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }),
  }
  const options = { ...address, method, path, timeout: requestTimeoutMs, headers }
  return new Promise((resolvePromise, reject) => {
    const req = tls === undefined ? httpRequest(options, resolvePromise) : httpsRequest({ ...tlsConnectOptions(address, tls), ...options }, resolvePromise)
    req.on('timeout', () => req.destroy(new Error(`no answer from ${address.host}:${address.port} within ${requestTimeoutMs} ms`)))
    req.on('error', reject)
    req.end(body === undefined ? undefined : Buffer.from(body))
  })
}

/**
 * `--auth SCHEME[:CREDENTIAL]` as the header value ZooKeeper's admin server reads, `SCHEME` or
 * `SCHEME CREDENTIAL`: `digest:user:password` is `digest user:password`. Undefined when malformed.
 */
export function authorizationOf(auth: string): string | undefined {
  const text = auth.trim()
  const colon = text.indexOf(':')
  const scheme = colon < 0 ? text : text.slice(0, colon)
  if (!/^[A-Za-z0-9_.-]+$/.test(scheme)) return undefined
  return colon < 0 ? scheme : `${scheme} ${text.slice(colon + 1)}`
}

/** The server's reason for a refusal, with what to do about a 401 (the credentials). */
async function errorOf(res: IncomingMessage): Promise<string> {
  const parts: Buffer[] = []
  for await (const part of res) parts.push(part as Buffer)
  const text = Buffer.concat(parts).toString('utf8')
  const hint = res.statusCode === 401 ? ' (give credentials with --auth or --auth-file; see paddock data help)' : ''
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error
    return `HTTP ${res.statusCode}: ${typeof error === 'string' ? error : text}${hint}`
  } catch {
    return `HTTP ${res.statusCode}: ${text.slice(0, 500)}${hint}`
  }
}

const targetOptions = {
  connect: { type: 'string' },
  auth: { type: 'string' },
  'auth-file': { type: 'string' },
  tls: { type: 'boolean' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
} as const

/** The command's admin server and its file argument, or why the arguments are wrong. */
async function targetArgs(args: string[], verb: string, fileName: string): Promise<{ target: AdminTarget; file: string } | { usage: string }> {
  const { values, positionals } = parseArgs({ args, options: targetOptions, allowPositionals: true, strict: true })
  const { connect } = values
  const file = positionals[0]
  if (connect === undefined || file === undefined || positionals.length !== 1) return { usage: `${verb} needs --connect HOST:ADMIN_PORT and one ${fileName}` }
  const address = adminAddress(connect)
  if (address === undefined) return { usage: `--connect ${JSON.stringify(connect)} is not HOST:ADMIN_PORT` }
  const authorization = await authorizationArg(values.auth, values['auth-file'])
  if (typeof authorization === 'object') return authorization
  const tls = await shellTls({ ...noTlsArgs(), tls: values.tls === true, ca: values.ca, cert: values.cert, key: values.key }, () => undefined)
  return { target: { address, authorization, tls }, file }
}

/** The header value of `--auth` or the first line of `--auth-file`; undefined without either. */
async function authorizationArg(auth: string | undefined, authFile: string | undefined): Promise<string | undefined | { usage: string }> {
  if (auth !== undefined && authFile !== undefined) return { usage: 'give --auth or --auth-file, not both' }
  if (auth === undefined && authFile === undefined) return undefined
  const text = auth ?? (await readAuthFile(authFile ?? ''))
  const from = auth === undefined ? `the first line of --auth-file ${authFile ?? ''}` : '--auth'
  return authorizationOf(text) ?? { usage: `${from} must be SCHEME[:CREDENTIAL], as digest:user:password, ip or x509` }
}

/** The first line of a credentials file; an unreadable file rejects naming the flag. */
async function readAuthFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split(/\r?\n/)[0] ?? ''
  } catch (error) {
    throw new Error(`--auth-file ${path}: cannot read the file: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Runs `command` over the parsed arguments. A TLS or credentials file that cannot be read
 * rejects (exit 1, naming the flag and the file).
 */
async function withTarget(args: string[], verb: string, fileName: string, usageError: (why: string) => number, command: (target: AdminTarget, file: string) => Promise<number>): Promise<number> {
  const parsed = await targetArgs(args, verb, fileName)
  return 'usage' in parsed ? usageError(parsed.usage) : command(parsed.target, parsed.file)
}

/** `paddock data backup --connect HOST:ADMIN_PORT [--auth SCHEME[:CREDENTIAL] | --auth-file F] [TLS flags] OUT_FILE`. */
export function runBackup(args: string[], io: DataCommandIO, usageError: (why: string) => number): Promise<number> {
  return withTarget(args, 'backup', 'OUT_FILE', usageError, (target, file) => backup(target, file, io))
}

/** `paddock data restore --connect HOST:ADMIN_PORT [--auth SCHEME[:CREDENTIAL] | --auth-file F] [TLS flags] IN_FILE`. */
export function runRestore(args: string[], io: DataCommandIO, usageError: (why: string) => number): Promise<number> {
  return withTarget(args, 'restore', 'IN_FILE', usageError, (target, file) => restore(target, file, io))
}

async function backup(server: AdminTarget, file: string, io: DataCommandIO): Promise<number> {
  const started = Date.now()
  const res = await send(server, 'GET', '/commands/snapshot?streaming=true')
  if (res.statusCode !== 200) throw new Error(`the server refused the backup: ${await errorOf(res)}`)
  const size = Number(res.headers['snapshot_size'])
  const zxid = String(res.headers['last_zxid'] ?? '?')
  const target = resolve(file)
  const tmp = join(dirname(target), `.${basename(target)}.paddock-tmp-${process.pid}`)
  const progress = io.progressStream === undefined ? undefined : terminalProgress(io.progressStream)
  let bytes = 0
  try {
    const out = createWriteStream(tmp, { flags: 'wx' })
    const closed = new Promise<void>((resolveClose, reject) => {
      out.on('close', resolveClose)
      out.on('error', reject)
    })
    for await (const part of res) {
      bytes += (part as Buffer).length
      if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()))
      progress?.update({ phase: 'backup', file: undefined, znodes: 0, bytes, bytesTotal: size })
    }
    out.end()
    await closed
    if (!res.complete || bytes !== size) throw new Error(`the backup stream ended after ${bytes} of ${size} bytes`)
    await rename(tmp, target)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  } finally {
    progress?.clear()
  }
  io.out(`paddock data: backed up zxid ${zxid}, ${bytes} bytes, to ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return 0
}

async function restore(server: AdminTarget, file: string, io: DataCommandIO): Promise<number> {
  const body = await readFile(file)
  const res = await send(server, 'POST', '/commands/restore', body)
  if (res.statusCode !== 200) throw new Error(`the server refused the restore: ${await errorOf(res)}`)
  const parts: Buffer[] = []
  for await (const part of res) parts.push(part as Buffer)
  const answer = JSON.parse(Buffer.concat(parts).toString('utf8')) as { last_zxid?: number; restored_zxid?: string; node_count?: number }
  io.out(`paddock data: restored ${answer.node_count ?? '?'} znodes from ${file} (snapshot zxid 0x${(answer.last_zxid ?? 0).toString(16)}); the server continues from zxid ${answer.restored_zxid ?? '?'}`)
  return 0
}
