/**
 * In-process sessions: a client bound straight to a member's request pipeline, with no socket and
 * no serialisation in between.
 * @module
 */
import { ClientImpl } from '../client/client.js'
import type { ClientTransport, ZooKeeperClient } from '../client/types.js'
import { describeError, ZooKeeperError } from '../errors.js'
import { sessionTimeoutMsDefault } from '../limits.js'
import type { Request, Response } from '../protocol/requests.js'
import type { WatchNotification } from '../protocol/watch.js'
import type { Pipeline } from '../server/pipeline.js'
import type { Channel, ClientConnection } from '../server/pipeline-types.js'
import type { ConnectOptions } from './types.js'

/** Opens an in-process session on `member` and returns its client (no socket in between). */
export function connectInProcess(member: Pipeline, options: ConnectOptions = {}): Promise<ZooKeeperClient> {
  return new Promise((resolve, reject) => {
    const connection = new InProcessConnection(member)
    const params = {
      timeoutMs: options.sessionTimeoutMs ?? sessionTimeoutMsDefault,
      sessionId: options.sessionId,
      passwd: options.sessionPasswd,
    }
    member.connect(connection, params, (grant) => {
      if (!('channel' in grant)) return reject(ZooKeeperError.fromErrno(grant.err))
      const client = new ClientImpl(grant.sessionId, grant.timeoutMs, grant.passwd, member.options.maxDataBytes)
      connection.open(grant.channel, client)
      client.bind(connection)
      resolve(client)
    })
  })
}

/** Both ends of an in-process session: the member's view of the client, and the client's transport. */
class InProcessConnection implements ClientConnection, ClientTransport {
  readonly remoteAddress = '127.0.0.1'
  readonly inProcess = true
  private channel: Channel | undefined
  private client: ClientImpl | undefined
  private cxid = 0

  constructor(private readonly member: Pipeline) {}

  open(channel: Channel, client: ClientImpl): void {
    this.channel = channel
    this.client = client
  }

  send(request: Request, onReply?: (response: Response) => void): Response | Promise<Response> {
    const channel = this.channel
    if (channel === undefined) return Promise.reject(new ZooKeeperError('CONNECTIONLOSS'))
    // The boundary a TCP connection has in its handler, which closes the connection: here the
    // request fails with a ZooKeeperError, and the session goes on.
    try {
      return this.serve(channel, request, onReply)
    } catch (error) {
      return Promise.reject(new ZooKeeperError('SYSTEMERROR', { message: `internal error while serving ${request.op}: ${describeError(error)}`, cause: error }))
    }
  }

  private serve(channel: Channel, request: Request, onReply?: (response: Response) => void): Response | Promise<Response> {
    // The common read is answered at once: hand the response back without a promise or a callback.
    const now = this.member.readNow(channel, request)
    if (now !== undefined) {
      ++this.cxid
      onReply?.(now)
      return now
    }
    // An in-memory member answers writes at once too.
    let answer: Response | undefined
    let resolveLater: ((response: Response) => void) | undefined
    this.member.submit(channel, request, ++this.cxid, (response) => {
      // Synchronously, so a watch this read sets is registered before a later commit's event.
      onReply?.(response)
      if (resolveLater === undefined) answer = response
      else resolveLater(response)
    })
    if (answer !== undefined) return answer
    return new Promise((resolve) => {
      resolveLater = resolve
    })
  }

  async close(): Promise<void> {
    const channel = this.channel
    if (channel === undefined || !channel.attached) return
    await new Promise<void>((resolve) => this.member.submit(channel, { op: 'closeSession' }, ++this.cxid, () => resolve()))
  }

  process(event: WatchNotification): void {
    this.client?.notification(event)
  }

  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void {
    this.client?.sessionEnded(reason)
  }
}
