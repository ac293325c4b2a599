/**
 * JAAS login configuration files as ZooKeeper deployments write them for SASL
 * (`java.security.auth.login.config`): named sections, each a list of login modules with a flag
 * and `key="value"` options, `//` and `/* *\/` comments.
 *
 * ```
 * Server {
 *   org.apache.zookeeper.server.auth.DigestLoginModule required
 *   user_alice="alice-secret";
 * };
 * ```
 *
 * Paddock reads the DIGEST-MD5 users of the server section (`user_<name>="<password>"` options of
 * ZooKeeper's DigestLoginModule) and the `username`/`password` of a client section. Kerberos
 * (`Krb5LoginModule`, GSSAPI) is refused with a clear error: Paddock does not speak it.
 * @module
 */

/** One login module line of a section. */
export interface JaasLoginModule {
  /** The module's class name, e.g. org.apache.zookeeper.server.auth.DigestLoginModule. */
  className: string
  /** required, requisite, sufficient or optional. */
  flag: 'required' | 'requisite' | 'sufficient' | 'optional'
  /** Its options, in file order. */
  options: Map<string, string>
}

/** A parsed JAAS file: each section's login modules by section name. */
export type JaasConfig = Map<string, JaasLoginModule[]>

/** A JAAS file that cannot be used, with the line it fails at when known. */
export class JaasError extends Error {
  /** Always 'JaasError'. */
  override readonly name = 'JaasError'
}

/** The class of ZooKeeper's DIGEST-MD5 login module. */
export const digestLoginModule = 'org.apache.zookeeper.server.auth.DigestLoginModule'

const flags = new Set(['required', 'requisite', 'sufficient', 'optional'])

interface Token {
  text: string
  quoted: boolean
  line: number
}

/** Splits a JAAS file into words, quoted strings and the punctuation `{ } ; =`. */
function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  for (let at = 0; at < text.length; ) {
    const c = text[at]!
    if (c === '\n') line++
    if (/\s/.test(c)) {
      at++
    } else if (text.startsWith('//', at) || c === '#') {
      while (at < text.length && text[at] !== '\n') at++
    } else if (text.startsWith('/*', at)) {
      const end = text.indexOf('*/', at + 2)
      if (end < 0) throw new JaasError(`${file}:${line}: comment is not closed`)
      for (let i = at; i < end; i++) if (text[i] === '\n') line++
      at = end + 2
    } else if ('{};='.includes(c)) {
      tokens.push({ text: c, quoted: false, line })
      at++
    } else if (c === '"') {
      let value = ''
      let i = at + 1
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) i++
        if (text[i] === '\n') line++
        value += text[i]
      }
      if (i >= text.length) throw new JaasError(`${file}:${line}: quoted value is not closed`)
      tokens.push({ text: value, quoted: true, line })
      at = i + 1
    } else {
      const start = at
      while (at < text.length && !/[\s{};="]/.test(text[at]!)) at++
      tokens.push({ text: text.slice(start, at), quoted: false, line })
    }
  }
  return tokens
}

/** Parses the text of a JAAS file; `file` names it in errors. */
export function parseJaas(text: string, file: string): JaasConfig {
  const tokens = tokenize(text, file)
  const config: JaasConfig = new Map()
  let at = 0
  const next = (what: string): Token => {
    const token = tokens[at++]
    if (token === undefined) throw new JaasError(`${file}: ends where ${what} was expected`)
    return token
  }
  const expect = (punctuation: string): void => {
    const token = next(`"${punctuation}"`)
    if (token.quoted || token.text !== punctuation) throw new JaasError(`${file}:${token.line}: expected "${punctuation}", found "${token.text}"`)
  }
  while (at < tokens.length) {
    const name = next('a section name')
    if (name.quoted || '{};='.includes(name.text)) throw new JaasError(`${file}:${name.line}: expected a section name, found "${name.text}"`)
    if (config.has(name.text)) throw new JaasError(`${file}:${name.line}: section ${name.text} appears twice`)
    expect('{')
    const modules: JaasLoginModule[] = []
    while (tokens[at]?.text !== '}' || tokens[at]?.quoted === true) modules.push(readModule(next, file))
    expect('}')
    expect(';')
    config.set(name.text, modules)
  }
  return config
}

function readModule(next: (what: string) => Token, file: string): JaasLoginModule {
  const className = next('a login module class')
  const flag = next('a flag (required, requisite, sufficient, optional)')
  if (!flags.has(flag.text.toLowerCase())) throw new JaasError(`${file}:${flag.line}: "${flag.text}" is not a login module flag (required, requisite, sufficient, optional)`)
  const options = new Map<string, string>()
  for (let token = next('an option or ";"'); token.quoted || token.text !== ';'; token = next('an option or ";"')) {
    const eq = next('"="')
    if (eq.quoted || eq.text !== '=') throw new JaasError(`${file}:${eq.line}: option ${token.text} has no "=" value`)
    const value = next(`the value of ${token.text}`)
    options.set(token.text, value.text)
  }
  return { className: className.text, flag: flag.text.toLowerCase() as JaasLoginModule['flag'], options }
}

function section(config: JaasConfig, name: string, file: string): JaasLoginModule {
  const modules = config.get(name)
  if (modules === undefined) throw new JaasError(`${file}: has no section "${name}" (sections: ${[...config.keys()].join(', ') || 'none'})`)
  const kerberos = modules.find((m) => /Krb5LoginModule$/.test(m.className))
  if (kerberos !== undefined) throw new JaasError(`${file}: section ${name} uses ${kerberos.className}: Kerberos (GSSAPI) is not supported by Paddock; use ${digestLoginModule} (DIGEST-MD5)`)
  const digest = modules.find((m) => m.className === digestLoginModule)
  if (digest === undefined) throw new JaasError(`${file}: section ${name} has no ${digestLoginModule}, the only SASL login module Paddock supports (DIGEST-MD5)`)
  return digest
}

/** The DIGEST-MD5 users (`user_<name>` options) of the server section `name` (ZooKeeper: "Server"). */
export function jaasServerUsers(config: JaasConfig, name: string, file: string): Map<string, string> {
  const users = new Map<string, string>()
  for (const [key, value] of section(config, name, file).options) {
    if (key.startsWith('user_') && key.length > 'user_'.length) users.set(key.slice('user_'.length), value)
  }
  if (users.size === 0) throw new JaasError(`${file}: section ${name} defines no user_<name>="<password>" option`)
  return users
}

/** A client section's credentials. */
export interface JaasClientCredentials {
  /** The `username` option. */
  username: string
  /** The `password` option. */
  password: string
}

/** The `username` and `password` of the client section `name` (ZooKeeper: "Client"). */
export function jaasClientCredentials(config: JaasConfig, name: string, file: string): JaasClientCredentials {
  const options = section(config, name, file).options
  const username = options.get('username')
  const password = options.get('password')
  if (username === undefined || password === undefined) throw new JaasError(`${file}: section ${name} needs username="..." and password="..."`)
  return { username, password }
}
