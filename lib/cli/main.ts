#!/usr/bin/env node
/**
 * The `paddock` command. With no command (what `npm start` runs) it starts a standalone member on
 * 127.0.0.1:2181; `paddock server ...` mirrors zkServer.sh; `paddock ensemble` runs a local
 * ensemble; `paddock shell` is a zkCli.sh-compatible shell.
 *
 * Each command loads its own modules when it runs (dynamic `import()`), so that starting a server
 * does not pay for the shell, the data tools or the web console: start-up time is mostly module
 * loading, and a server is often started by a script that waits for it.
 * @module
 */
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Server } from '../host/types.js'
import { useCodeCache } from './code-cache.js'
import type { Output } from './server-command.js'

// Run as the bundled command (dist/lib/bin/paddock.cjs), keep V8's code of its chunks between starts.
const entry = fileURLToPath(import.meta.url)
if (entry.endsWith('.cjs')) useCodeCache(dirname(entry))

const usage = `usage:
  paddock [--port 2181] [--host 127.0.0.1] [--data-dir DIR] [--4lw srvr,ruok|*]
      a standalone member (in memory without --data-dir) until Ctrl-C
  paddock server start|start-foreground|stop|restart|status|print-cmd [zoo.cfg]
      zkServer.sh's verbs; without zoo.cfg: standalone on 127.0.0.1:2181 with dataDir ./data;
      PADDOCK_<KEY> environment variables override zoo.cfg keys (PADDOCK_CLIENTPORT=2182)
  paddock server version  |  paddock --version
      the version of Paddock and of the ZooKeeper protocol it speaks
  paddock ensemble --size 3 [--data-dir DIR]
      a local ensemble over loopback TCP until Ctrl-C, printing the connect string
  paddock ui [--connect host:port[,host:port]] [--port 8081] [--host 127.0.0.1]
             [--tls-cert chain.pem --tls-key key.pem]
      the web console for any ZooKeeper-compatible ensemble (over HTTPS with a certificate), until Ctrl-C
  paddock shell [-server host:port[,host:port]] [TLS options] [command args...]
      a zkCli.sh-compatible shell (one-shot when a command is given); TLS with
      --tls --ca F --cert F --key F, or -client-configuration F / -Dzookeeper.client.secure=true
  paddock data import|export|dump-snapshot|dump-log|verify|purge|backup|restore ...
      move data from and to Apache ZooKeeper, inspect, verify and purge a dataDir, back up and
      restore a running server through its admin server (paddock data help)`

const io: Output = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}

interface QuickStart {
  port: number
  host: string
  dataDir: string | undefined
  fourLetterWords: string
}

/** The quick start's options; undefined for --help, 'version' for --version. */
function parseQuickStart(argv: string[]): QuickStart | 'version' | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env['PADDOCK_PORT'] ?? '2181' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      '4lw': { type: 'string', default: '*' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.version) return 'version'
  if (values.help) return undefined
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${JSON.stringify(values.port)}`)
  return { port, host: values.host, dataDir: values['data-dir'], fourLetterWords: values['4lw'] }
}

async function quickStart(options: QuickStart): Promise<number> {
  const { createServer } = await import('../host/server.js')
  let server: Server
  try {
    server = await createServer({ port: options.port, host: options.host, dataDir: options.dataDir, fourLetterWordsWhitelist: options.fourLetterWords })
  } catch (error) {
    const code = (error as { code?: string }).code
    const why = code === 'EADDRINUSE' ? `port ${options.port} is in use (another ZooKeeper or Paddock?); pick one with --port` : String(error)
    io.err(`paddock: cannot start: ${why}`)
    return 1
  }
  const storage = options.dataDir === undefined ? 'in memory' : `data in ${options.dataDir}`
  io.out(`paddock: standalone member serving ZooKeeper clients at ${server.connectString} (${storage})`)
  io.out(`paddock: try  zkCli.sh -server ${server.connectString}  or  echo ruok | nc ${options.host} ${server.address?.port}`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  io.out('paddock: stopping')
  await server.close()
  return 0
}

async function runShellCommand(argv: string[]): Promise<number> {
  const { runShell } = await import('./shell/index.js')
  return runShell(argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, isTTY: process.stdin.isTTY === true && process.stdout.isTTY === true })
}

async function runDataCommand(argv: string[]): Promise<number> {
  const { runDataCommand: run } = await import('./data-command.js')
  return run(argv, { ...io, progressStream: process.stderr.isTTY === true ? process.stderr : undefined })
}

async function printVersion(): Promise<number> {
  io.out((await import('./version.js')).versionLine())
  return 0
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'server') return (await import('./server-command.js')).runServerCommand(rest[0], rest[1], io, process.env)
  if (command === 'ensemble') return (await import('./ensemble-command.js')).runEnsembleCommand(rest, io)
  if (command === 'shell') return runShellCommand(rest)
  if (command === 'ui') return (await import('./ui-command.js')).runUiCommand(rest, io)
  if (command === 'data') return runDataCommand(rest)
  if (command === 'help') {
    io.out(usage)
    return 0
  }
  if (command !== undefined && !command.startsWith('-')) {
    io.err(`paddock: unknown command ${JSON.stringify(command)}\n${usage}`)
    return 2
  }
  let options: QuickStart | 'version' | undefined
  try {
    options = parseQuickStart(argv)
  } catch (error) {
    io.err(`paddock: ${error instanceof Error ? error.message : String(error)}\n${usage}`)
    return 2
  }
  if (options === undefined) {
    io.out(usage)
    return 0
  }
  if (options === 'version') return printVersion()
  return quickStart(options)
}

// Not a top-level await: the installed `paddock` command is this module bundled as CommonJS
// (dist/lib/bin/paddock.cjs), which Node.js loads sooner than the ES modules.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
