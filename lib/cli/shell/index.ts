/**
 * `paddock shell [-server host:port[,host:port]] [-timeout ms] [TLS options] [cmd args...]`: a
 * zkCli.sh-compatible shell. With a command it runs that one command and exits with a code scripts
 * can test; without one it reads commands from stdin, with line editing, history and tab
 * completion on a terminal. TLS is asked for as zkCli takes it (`-client-configuration F` or
 * `-Dzookeeper.client.secure=true -Dzookeeper.ssl.…`), or with `--tls --ca F --cert F --key F`.
 * @module
 */
import { createInterface, type Interface } from 'node:readline'
import type { TcpTlsOptions } from '../../index.js'
import { sessionTimeoutMsDefault, shellHistoryEntriesMax } from '../../limits.js'
import { Shell } from './shell.js'
import { noTlsArgs, shellTls, ShellTlsError, type ShellTlsArgs } from './tls.js'
import type { CommandOutcome, ShellOutput } from './types.js'

/** The streams the shell talks to. */
export interface ShellIO {
  /** Where interactive commands come from. */
  stdin: NodeJS.ReadableStream
  /** Command output (data, listings, Stat printouts, watch events). */
  stdout: NodeJS.WritableStream
  /** Errors, usage lines and `Created /path`, as zkCli.sh prints them. */
  stderr: NodeJS.WritableStream
  /** Whether stdin and stdout are a terminal: then the shell prompts, edits lines and completes. */
  isTTY: boolean
}

/** The shell's exit codes. */
export const ShellExitCode = {
  /** The command (or the session) succeeded. */
  ok: 0,
  /** The command failed (`Node does not exist: /x`, a bad version, ...), as zkCli.sh's 1. */
  commandFailed: 1,
  /** The shell's own arguments are wrong. */
  usage: 2,
  /** No session could be opened (nothing listening, no quorum, timeout). */
  connectFailed: 3,
  /** No such command, as zkCli.sh's 127. */
  commandNotFound: 127,
} as const

const usage = `usage: paddock shell [-server host:port[,host:port][/chroot]] [-timeout ms] [TLS options] [cmd args...]
TLS options (the server's secureClientPort):
  --tls                            speak TLS
  --ca F                           PEM file of the CAs that vouch for the server (implies --tls)
  --cert F [--key F]               PEM files of the client's certificate and key (implies --tls)
  -client-configuration F          a ZooKeeper client configuration file (zookeeper.client.secure=true,
                                   zookeeper.ssl.keyStore.location, zookeeper.ssl.trustStore.location, ...)
  -Dkey=value                      one client configuration key, as zkCli takes it from CLIENT_JVMFLAGS`

interface ShellArgs {
  server: string
  timeoutMs: number
  command: string[]
  tls: ShellTlsArgs
}

const tlsFileFlags: Readonly<Record<string, 'ca' | 'cert' | 'key' | 'clientConfiguration'>> = {
  '--ca': 'ca',
  '--cert': 'cert',
  '--key': 'key',
  '-client-configuration': 'clientConfiguration',
  '--client-configuration': 'clientConfiguration',
}

/** A `-Dkey=value` argument (or `-D key=value`, taking the next word); undefined when `word` is none. */
function systemProperty(word: string, next: string | undefined): { key: string; value: string; words: number } | string | undefined {
  if (!word.startsWith('-D')) return undefined
  const text = word === '-D' ? next : word.slice(2)
  const eq = text?.indexOf('=') ?? -1
  if (text === undefined || eq <= 0) return `${word} must be -Dkey=value`
  return { key: text.slice(0, eq), value: text.slice(eq + 1), words: word === '-D' ? 2 : 1 }
}

// ZooKeeperMain.MyCommandOptions: -server and -timeout come first, the command follows; the TLS
// options may be among them.
function parseArgs(argv: readonly string[]): ShellArgs | string {
  let server = 'localhost:2181'
  let timeoutMs = sessionTimeoutMsDefault
  const tls = noTlsArgs()
  let i = 0
  for (; i < argv.length; i++) {
    const word = argv[i] ?? ''
    const value = argv[i + 1]
    const property = systemProperty(word, value)
    const fileFlag = tlsFileFlags[word]
    if (word === '-server' || word === '--server') {
      if (value === undefined) return '-server needs host:port'
      server = value
      i++
    } else if (word === '-timeout' || word === '--timeout') {
      timeoutMs = Number(value)
      if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) return `-timeout must be a number of ms, got ${value ?? 'nothing'}`
      i++
    } else if (fileFlag !== undefined) {
      if (value === undefined) return `${word} needs a file`
      tls[fileFlag] = value
      i++
    } else if (word === '--tls') {
      tls.tls = true
    } else if (typeof property === 'string') {
      return property
    } else if (property !== undefined) {
      tls.properties.push([property.key, property.value])
      i += property.words - 1
    } else if (word === '-h' || word === '--help') {
      return ''
    } else {
      break
    }
  }
  return { server, timeoutMs, command: argv.slice(i), tls }
}

function lineWriter(stream: NodeJS.WritableStream): (text: string) => void {
  return (text) => void stream.write(`${text}\n`)
}

const exitCodes: Record<CommandOutcome, number> = {
  ok: ShellExitCode.ok,
  quit: ShellExitCode.ok,
  failed: ShellExitCode.commandFailed,
  notFound: ShellExitCode.commandNotFound,
}

/**
 * Runs the shell and resolves with its exit code (see {@link ShellExitCode}). `argv` is what
 * follows `paddock shell`. The session is closed before it resolves.
 */
export async function runShell(argv: string[], io: ShellIO): Promise<number> {
  const args = parseArgs(argv)
  if (typeof args === 'string') {
    if (args !== '') io.stderr.write(`${args}\n`)
    ;(args === '' ? io.stdout : io.stderr).write(`${usage}\n`)
    return args === '' ? ShellExitCode.ok : ShellExitCode.usage
  }
  const output: ShellOutput = { out: lineWriter(io.stdout), err: lineWriter(io.stderr) }
  let tls: TcpTlsOptions | undefined
  try {
    tls = await shellTls(args.tls, (line) => output.err(`warning: ${line}`))
  } catch (error) {
    if (!(error instanceof ShellTlsError)) throw error
    output.err(error.message)
    return ShellExitCode.usage
  }
  if (args.command.length > 0) return oneShot(args, tls, output)
  return interactive(args, tls, io, output)
}

/** The commands one-shot mode runs without opening a session. */
const offlineCommands: ReadonlySet<string> = new Set(['help', 'printwatches', 'version'])

async function oneShot(args: ShellArgs, tls: TcpTlsOptions | undefined, output: ShellOutput): Promise<number> {
  const shell = new Shell({ server: args.server, sessionTimeoutMs: args.timeoutMs, output, printWatches: false, tls })
  const first = args.command[0]
  // Commands that need no session run without one, so `paddock shell help` works offline.
  if (first !== undefined && !offlineCommands.has(first) && !(await shell.connect())) return ShellExitCode.connectFailed
  try {
    return exitCodes[await shell.execute(args.command)]
  } finally {
    await shell.closeSession()
  }
}

async function interactive(args: ShellArgs, tls: TcpTlsOptions | undefined, io: ShellIO, output: ShellOutput): Promise<number> {
  let rl: Interface | undefined
  // A fired watch prints between prompts on a terminal: redraw the prompt and the typed text after it.
  const out = (text: string): void => {
    output.out(text)
    if (io.isTTY && rl !== undefined && !busy) rl.prompt(true)
  }
  let busy = true
  const shell = new Shell({ server: args.server, sessionTimeoutMs: args.timeoutMs, output: { out, err: output.err }, tls })
  rl = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal: io.isTTY,
    historySize: shellHistoryEntriesMax,
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      shell.complete(line).then(
        (result) => callback(null, result),
        () => callback(null, [[], line]),
      )
    },
  })
  // Lines are read as they come; the async iterator queues them while a command runs.
  const lines = rl[Symbol.asyncIterator]()
  await shell.connect()
  try {
    for (;;) {
      busy = false
      if (io.isTTY) {
        rl.setPrompt(shell.prompt())
        rl.prompt()
      }
      const next = await lines.next()
      busy = true
      if (next.done === true) break
      if ((await shell.executeLine(String(next.value))) === 'quit') break
    }
  } finally {
    rl.close()
    await shell.closeSession()
  }
  return ShellExitCode.ok
}
