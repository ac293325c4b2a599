#!/usr/bin/env node
/**
 * `paddock` command entry point. With no arguments (what `npm start` runs) it starts a standalone
 * member on 127.0.0.1:2181 that ZooKeeper clients can use, and runs until interrupted.
 * @module
 */
import { parseArgs } from 'node:util'
import { createServer, type Server } from '../index.js'

const usage = `usage: paddock [--port 2181] [--host 127.0.0.1] [--data-dir DIR] [--4lw srvr,ruok|*]
  Starts a standalone Paddock member speaking the ZooKeeper client protocol.
  Without --data-dir everything is kept in memory and forgotten on exit.`

interface StartOptions {
  port: number
  host: string
  dataDir: string | undefined
  fourLetterWords: string
}

function parse(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env['PADDOCK_PORT'] ?? '2181' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      '4lw': { type: 'string', default: '*' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${JSON.stringify(values.port)}`)
  return { port, host: values.host, dataDir: values['data-dir'], fourLetterWords: values['4lw'] }
}

async function start(options: StartOptions): Promise<Server> {
  const server = await createServer({
    port: options.port,
    host: options.host,
    dataDir: options.dataDir,
    fourLetterWordsWhitelist: options.fourLetterWords,
  })
  const storage = options.dataDir === undefined ? 'in memory' : `data in ${options.dataDir}`
  console.log(`paddock: standalone member serving ZooKeeper clients at ${server.connectString} (${storage})`)
  console.log(`paddock: try  zkCli.sh -server ${server.connectString}  or  echo ruok | nc ${options.host} ${server.address?.port}`)
  return server
}

async function main(): Promise<void> {
  let options: StartOptions
  try {
    options = parse(process.argv.slice(2))
  } catch (error) {
    console.error(`paddock: ${error instanceof Error ? error.message : String(error)}\n${usage}`)
    process.exit(2)
  }
  const server = await start(options).catch((error: unknown) => {
    const code = (error as { code?: string }).code
    const why = code === 'EADDRINUSE' ? `port ${options.port} is in use (another ZooKeeper or Paddock?); pick one with --port` : String(error)
    console.error(`paddock: cannot start: ${why}`)
    process.exit(1)
  })
  const stop = () => {
    console.log('paddock: stopping')
    server.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

await main()
