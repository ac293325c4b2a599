/**
 * `paddock shell [-server host:port[,host:port]] [-timeout ms] [cmd args...]`: a zkCli.sh-compatible
 * shell. With a command it runs that one command and exits with a code scripts can test; without
 * one it reads commands from stdin, with line editing, history and tab completion on a terminal.
 * @module
 */
import { createInterface, type Interface } from 'node:readline'
import { sessionTimeoutMsDefault, shellHistoryEntriesMax } from '../../limits.js'
import { Shell } from './shell.js'
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

const usage = 'usage: paddock shell [-server host:port[,host:port][/chroot]] [-timeout ms] [cmd args...]'

interface ShellArgs {
  server: string
  timeoutMs: number
  command: string[]
}

// ZooKeeperMain.MyCommandOptions: -server and -timeout come first, the command follows.
function parseArgs(argv: readonly string[]): ShellArgs | string {
  let server = 'localhost:2181'
  let timeoutMs = sessionTimeoutMsDefault
  let i = 0
  for (; i < argv.length; i++) {
    const word = argv[i]
    const value = argv[i + 1]
    if (word === '-server' || word === '--server') {
      if (value === undefined) return '-server needs host:port'
      server = value
      i++
    } else if (word === '-timeout' || word === '--timeout') {
      timeoutMs = Number(value)
      if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) return `-timeout must be a number of ms, got ${value ?? 'nothing'}`
      i++
    } else if (word === '-h' || word === '--help') {
      return ''
    } else {
      break
    }
  }
  return { server, timeoutMs, command: argv.slice(i) }
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
  if (args.command.length > 0) return oneShot(args, output)
  return interactive(args, io, output)
}

async function oneShot(args: ShellArgs, output: ShellOutput): Promise<number> {
  const shell = new Shell({ server: args.server, sessionTimeoutMs: args.timeoutMs, output, printWatches: false })
  const first = args.command[0]
  // Commands that need no session run without one, so `paddock shell help` works offline.
  if (first !== 'help' && first !== 'printwatches' && !(await shell.connect())) return ShellExitCode.connectFailed
  try {
    return exitCodes[await shell.execute(args.command)]
  } finally {
    await shell.closeSession()
  }
}

async function interactive(args: ShellArgs, io: ShellIO, output: ShellOutput): Promise<number> {
  let rl: Interface | undefined
  // A fired watch prints between prompts on a terminal: redraw the prompt and the typed text after it.
  const out = (text: string): void => {
    output.out(text)
    if (io.isTTY && rl !== undefined && !busy) rl.prompt(true)
  }
  let busy = true
  const shell = new Shell({ server: args.server, sessionTimeoutMs: args.timeoutMs, output: { out, err: output.err } })
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
