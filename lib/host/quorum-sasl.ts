/**
 * SASL between members (ZooKeeper's `quorum.auth.enableSasl` with `quorum.auth.learnerRequireSasl`
 * and `quorum.auth.serverRequireSasl`): DIGEST-MD5 under ZooKeeper's quorum realm, with the users
 * of the JAAS `QuorumServer` section (DigestLoginModule `user_<name>="<password>"` options) and this
 * member's own `username`/`password` from the `QuorumLearner` section. Read and checked before
 * the member starts; the transport (lib/peer/tcp.ts) runs the exchange on each connection.
 *
 * The identity rule. ZooKeeper's DIGEST-MD5 quorum authentication proves that a member knows a
 * password of the QuorumServer section, not which member it is. Paddock adds one rule: a user
 * named `server<N>` (N as in `server.N`) belongs to member N. A connection authenticated as
 * `server<N>` may claim to be member N only, and a member whose `server<N>` user exists must
 * authenticate as it. Any other user is shared, as in ZooKeeper: it may speak as any member that
 * has no user of its own.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { jaasClientCredentials, JaasError, jaasServerUsers, parseJaas } from '../config/jaas.js'
import { quorumLearnerSectionDefault, quorumServerSectionDefault } from '../config/zoo-cfg-sasl.js'
import type { PeerSaslLearnerExchange, PeerSaslOptions, PeerSaslServerExchange } from '../peer/sasl.js'
import { DigestMd5Client, DigestMd5Server, zooKeeperQuorumDigestUri, zooKeeperQuorumSaslRealm } from '../wire/sasl-digest-md5.js'
import { AuthConfigError } from './sasl.js'

/**
 * Member-to-member SASL DIGEST-MD5. Giving these options is `quorum.auth.enableSasl=true`.
 * The users and this member's credentials come from a JAAS file (`jaasFile`), or are given
 * directly (`users` and `credentials`), not both.
 */
export interface QuorumSaslOptions {
  /**
   * Close a connection this member dialled when the other member does not authenticate it, or
   * does not do quorum SASL (zoo.cfg's `quorum.auth.learnerRequireSasl`). @defaultValue false
   */
  learnerRequireSasl?: boolean | undefined
  /**
   * Close a connection from a member that does not authenticate (zoo.cfg's
   * `quorum.auth.serverRequireSasl`); needs `learnerRequireSasl`. Without either, a member that
   * cannot authenticate is still accepted: the rolling-upgrade mode. @defaultValue false
   */
  serverRequireSasl?: boolean | undefined
  /** The JAAS file (zoo.cfg's `java.security.auth.login.config` or `jaasLoginConfig`). */
  jaasFile?: string | undefined
  /** Its section with this member's `username` and `password` (`quorum.auth.learner.saslLoginContext`). @defaultValue 'QuorumLearner' */
  learnerSection?: string | undefined
  /** Its section with the members' users (`quorum.auth.server.saslLoginContext`). @defaultValue 'QuorumServer' */
  serverSection?: string | undefined
  /** The users other members may authenticate as, and their passwords (instead of a JAAS file). */
  users?: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined
  /** The user this member authenticates as, and its password (instead of a JAAS file). */
  credentials?: {
    /** The user this member presents (the JAAS `QuorumLearner` section's `username`). */
    username: string
    /** Its password (the section's `password`). */
    password: string
  } | undefined
}

/** The user a name binds to member N (`server<N>`), or undefined for a shared user. */
export function memberOfUser(user: string): number | undefined {
  const match = /^server([1-9][0-9]*)$/.exec(user)
  if (match === null) return undefined
  const id = Number(match[1])
  return Number.isSafeInteger(id) ? id : undefined
}

/**
 * Why `user` may not speak as member `id` under the identity rule (see the module), or undefined
 * when it may. `users` are the QuorumServer users.
 */
export function memberIdentityProblem(users: ReadonlyMap<string, string>, id: number, user: string): string | undefined {
  const owner = memberOfUser(user)
  if (owner !== undefined && owner !== id) return `SASL user ${user} is member ${owner}'s, but the connection claims to be member ${id}`
  const own = `server${id}`
  if (owner === undefined && users.has(own)) return `member ${id} has its own SASL user ${own}, but authenticated as the shared user ${user}`
  return undefined
}

/**
 * Reads the users and this member's credentials and checks them, as ZooKeeper checks its
 * switches: serverRequireSasl needs learnerRequireSasl; this member's own user must follow the
 * identity rule, since the others would refuse it.
 * @throws AuthConfigError for settings that cannot run; JaasError for a JAAS file without the
 * sections, or without users or credentials in them (Kerberos sections included).
 */
export async function loadQuorumSasl(options: QuorumSaslOptions, myid: number): Promise<PeerSaslOptions> {
  const learnerRequireSasl = options.learnerRequireSasl ?? false
  const serverRequireSasl = options.serverRequireSasl ?? false
  if (serverRequireSasl && !learnerRequireSasl) throw new AuthConfigError('quorumSasl: serverRequireSasl needs learnerRequireSasl (quorum.auth.learnerRequireSasl): this member could not authenticate to the others')
  const { users, credentials } = await quorumUsers(options)
  if (users.size === 0) throw new AuthConfigError('quorumSasl.users is empty: members need at least one user to authenticate as')
  const wrong = memberIdentityProblem(users, myid, credentials.username)
  if (wrong !== undefined) throw new AuthConfigError(`quorumSasl: this member (${myid}) could not authenticate: ${wrong}`)
  const service = { realm: zooKeeperQuorumSaslRealm, digestUri: zooKeeperQuorumDigestUri }
  return {
    learnerRequireSasl,
    serverRequireSasl,
    server: (): PeerSaslServerExchange => {
      const server = new DigestMd5Server({ ...service, passwordOf: (user) => users.get(user) })
      return { evaluate: (token) => server.evaluate(token), get user() { return server.result?.user } }
    },
    learner: (): PeerSaslLearnerExchange => {
      const client = new DigestMd5Client({ ...service, ...credentials })
      return { respond: (token) => client.respond(token), get complete() { return client.complete } }
    },
    identityProblem: (id, user) => memberIdentityProblem(users, id, user),
  }
}

async function quorumUsers(options: QuorumSaslOptions): Promise<{ users: ReadonlyMap<string, string>; credentials: { username: string; password: string } }> {
  const direct = options.users !== undefined || options.credentials !== undefined
  if (direct === (options.jaasFile !== undefined)) throw new AuthConfigError('quorumSasl: give either jaasFile, or users and credentials')
  if (options.jaasFile === undefined) {
    if (options.users === undefined || options.credentials === undefined) throw new AuthConfigError('quorumSasl: users and credentials go together')
    const users = options.users instanceof Map ? options.users : new Map(Object.entries(options.users as Readonly<Record<string, string>>))
    return { users, credentials: options.credentials }
  }
  const file = options.jaasFile
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new JaasError(`${file}: cannot be read (${error.code ?? error.message})`)
  })
  const jaas = parseJaas(text, file)
  return {
    users: jaasServerUsers(jaas, options.serverSection ?? quorumServerSectionDefault, file),
    credentials: jaasClientCredentials(jaas, options.learnerSection ?? quorumLearnerSectionDefault, file),
  }
}
