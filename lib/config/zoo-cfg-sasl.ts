/**
 * The client-authentication keys of zoo.cfg, under the names ZooKeeper 3.9 reads them (as Java
 * system properties; the `zookeeper.` prefix is optional here, as it is for ZooKeeper's keys that
 * also appear in zoo.cfg):
 * - `jaasLoginConfig` or `java.security.auth.login.config`: the JAAS file whose server section
 *   (`zookeeper.sasl.serverconfig`, default `Server`) lists the DIGEST-MD5 users;
 * - `zookeeper.superUser`: the SASL user that holds every permission;
 * - `zookeeper.enforce.auth.enabled` and `zookeeper.enforce.auth.schemes`, and
 *   `zookeeper.sessionRequireClientSASLAuth` (which stands for both with the scheme `sasl`).
 *
 * And member-to-member SASL (ZooKeeper's QuorumAuth keys, read only from zoo.cfg, as QuorumPeerConfig
 * does): `quorum.auth.enableSasl`, `quorum.auth.learnerRequireSasl`, `quorum.auth.serverRequireSasl`,
 * `quorum.auth.learner.saslLoginContext` (default `QuorumLearner`) and
 * `quorum.auth.server.saslLoginContext` (default `QuorumServer`), sections of the same JAAS file.
 *
 * Parsing only: the JAAS file is read when the server starts (lib/host/sasl.ts, lib/host/quorum-sasl.ts).
 * `zookeeper.sasl.client`-style client keys are not server settings and are not read here.
 * @module
 */

/** The client-authentication settings of a zoo.cfg. */
export interface ZooCfgSasl {
  /** The JAAS file, as written (made absolute against the working directory, as dataDir). */
  jaasFile: string | undefined
  /** The JAAS section with the server's users. @defaultValue 'Server' */
  serverSection: string
  /** The SASL superuser. */
  superUser: string | undefined
  /** `enforce.auth.enabled` (or sessionRequireClientSASLAuth). */
  enforce: boolean
  /** `enforce.auth.schemes`, split at commas (`sasl` alone under sessionRequireClientSASLAuth). */
  enforceSchemes: string[]
  /** Whether sessionRequireClientSASLAuth=true was given: it overrides the enforce.auth keys. */
  requireSasl: boolean
  /** `quorum.auth.enableSasl`: members authenticate to each other. @defaultValue false */
  quorumEnableSasl: boolean
  /** `quorum.auth.learnerRequireSasl`: a member closes a connection it dialled that does not authenticate. @defaultValue false */
  quorumLearnerRequireSasl: boolean
  /** `quorum.auth.serverRequireSasl`: a member closes an accepted connection that does not authenticate. @defaultValue false */
  quorumServerRequireSasl: boolean
  /** `quorum.auth.learner.saslLoginContext`: the JAAS section with this member's username and password. @defaultValue 'QuorumLearner' */
  quorumLearnerSection: string
  /** `quorum.auth.server.saslLoginContext`: the JAAS section with the members' users. @defaultValue 'QuorumServer' */
  quorumServerSection: string
}

/** ZooKeeper's default JAAS section of a member's own credentials (QuorumAuth). */
export const quorumLearnerSectionDefault = 'QuorumLearner'
/** ZooKeeper's default JAAS section of the users members authenticate as (QuorumAuth). */
export const quorumServerSectionDefault = 'QuorumServer'

/** Settings with ZooKeeper's defaults: no SASL, nothing enforced. */
export function saslDefaults(): ZooCfgSasl {
  return {
    jaasFile: undefined,
    serverSection: 'Server',
    superUser: undefined,
    enforce: false,
    enforceSchemes: [],
    requireSasl: false,
    quorumEnableSasl: false,
    quorumLearnerRequireSasl: false,
    quorumServerRequireSasl: false,
    quorumLearnerSection: quorumLearnerSectionDefault,
    quorumServerSection: quorumServerSectionDefault,
  }
}

function unprefixed(key: string): string {
  return key.startsWith('zookeeper.') ? key.slice('zookeeper.'.length) : key
}

function bool(key: string, value: string, fail: (message: string) => Error): boolean {
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw fail(`${key}=${value}: expected true or false`)
}

/**
 * Applies one zoo.cfg line if it is a client-authentication key; returns whether it was one.
 * `fail` makes the error for a malformed value.
 */
export function applySaslKey(sasl: ZooCfgSasl, key: string, value: string, fail: (message: string) => Error): boolean {
  if (key === 'jaasLoginConfig' || key === 'java.security.auth.login.config') {
    sasl.jaasFile = value
    return true
  }
  if (key.startsWith('quorum.auth.')) return applyQuorumSaslKey(sasl, key, value, fail)
  switch (unprefixed(key)) {
    case 'sasl.serverconfig':
      sasl.serverSection = value
      return true
    case 'superUser':
      sasl.superUser = value
      return true
    case 'enforce.auth.enabled':
      sasl.enforce = bool(key, value, fail)
      return true
    case 'enforce.auth.schemes':
      sasl.enforceSchemes = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
      return true
    case 'sessionRequireClientSASLAuth':
      sasl.requireSasl = bool(key, value, fail)
      return true
    default:
      return false
  }
}

/** The bare `quorum.auth.*` keys ZooKeeper's QuorumPeerConfig reads (Kerberos' principal aside). */
export const quorumSaslKeys: readonly string[] = [
  'quorum.auth.enableSasl',
  'quorum.auth.learnerRequireSasl',
  'quorum.auth.serverRequireSasl',
  'quorum.auth.learner.saslLoginContext',
  'quorum.auth.server.saslLoginContext',
  'quorum.auth.kerberos.servicePrincipal',
]

function applyQuorumSaslKey(sasl: ZooCfgSasl, key: string, value: string, fail: (message: string) => Error): boolean {
  switch (key) {
    case 'quorum.auth.enableSasl':
      sasl.quorumEnableSasl = bool(key, value, fail)
      return true
    case 'quorum.auth.learnerRequireSasl':
      sasl.quorumLearnerRequireSasl = bool(key, value, fail)
      return true
    case 'quorum.auth.serverRequireSasl':
      sasl.quorumServerRequireSasl = bool(key, value, fail)
      return true
    case 'quorum.auth.learner.saslLoginContext':
      sasl.quorumLearnerSection = value
      return true
    case 'quorum.auth.server.saslLoginContext':
      sasl.quorumServerSection = value
      return true
    case 'quorum.auth.kerberos.servicePrincipal':
      throw fail(`${key}=${value}: Kerberos (GSSAPI) between members is not supported by Paddock; quorum SASL is DIGEST-MD5 (org.apache.zookeeper.server.auth.DigestLoginModule in the ${sasl.quorumServerSection} and ${sasl.quorumLearnerSection} sections)`)
    default:
      return false
  }
}

/**
 * What is wrong with the quorum SASL switches, with the key to blame, as ZooKeeper's
 * QuorumPeerConfig checks them: either require switch needs enableSasl, and serverRequireSasl
 * needs learnerRequireSasl (a member that requires others to authenticate but does not
 * authenticate itself could not join them); enableSasl needs the JAAS file. Undefined when fine.
 */
export function quorumSaslProblem(sasl: ZooCfgSasl): { key: string; message: string } | undefined {
  const off = 'quorum.auth.enableSasl is false'
  if (!sasl.quorumEnableSasl && sasl.quorumServerRequireSasl) return { key: 'quorum.auth.serverRequireSasl', message: `${off}, so quorum.auth.serverRequireSasl cannot be true` }
  if (!sasl.quorumEnableSasl && sasl.quorumLearnerRequireSasl) return { key: 'quorum.auth.learnerRequireSasl', message: `${off}, so quorum.auth.learnerRequireSasl cannot be true` }
  if (!sasl.quorumLearnerRequireSasl && sasl.quorumServerRequireSasl) {
    return { key: 'quorum.auth.serverRequireSasl', message: 'quorum.auth.learnerRequireSasl is false, so quorum.auth.serverRequireSasl cannot be true (this member could not authenticate to the others)' }
  }
  if (sasl.quorumEnableSasl && sasl.jaasFile === undefined) {
    return { key: 'quorum.auth.enableSasl', message: `quorum.auth.enableSasl=true needs a JAAS file (java.security.auth.login.config or jaasLoginConfig) with the ${sasl.quorumServerSection} and ${sasl.quorumLearnerSection} sections` }
  }
  return undefined
}

/**
 * The schemes a session must hold one of, or undefined when nothing is enforced. As ZooKeeper's
 * AuthenticationHelper: sessionRequireClientSASLAuth=true means `sasl`, whatever the enforce keys say.
 */
export function enforcedSchemes(sasl: ZooCfgSasl): string[] | undefined {
  if (sasl.requireSasl) return ['sasl']
  return sasl.enforce ? [...sasl.enforceSchemes] : undefined
}
