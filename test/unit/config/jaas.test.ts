import { describe, expect, it } from 'vitest'
import { jaasClientCredentials, jaasServerUsers, parseJaas } from '../../../lib/config/jaas.js'

const file = `
// ZooKeeper's server and client sections, as its SASL guide lays them out
Server {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       user_super="adminsecret"
       user_bob="bob \\"quoted\\" secret";
};
/* a client
   section */
Client {
       org.apache.zookeeper.server.auth.DigestLoginModule required
       username="bob"
       password="bobsecret";
};
`

describe('JAAS files', () => {
  it("reads the server section's users and the client section's credentials", () => {
    const config = parseJaas(file, 'jaas.conf')
    expect([...config.keys()]).toEqual(['Server', 'Client'])
    expect(Object.fromEntries(jaasServerUsers(config, 'Server', 'jaas.conf'))).toEqual({ super: 'adminsecret', bob: 'bob "quoted" secret' })
    expect(jaasClientCredentials(config, 'Client', 'jaas.conf')).toEqual({ username: 'bob', password: 'bobsecret' })
    expect(config.get('Server')?.[0]?.flag).toBe('required')
  })

  it('names the file, the line and what is wrong', () => {
    expect(() => parseJaas('Server {\n  org.x.Module mandatory;\n};', 'j.conf')).toThrow('j.conf:2: "mandatory" is not a login module flag')
    expect(() => parseJaas('Server {\n  org.x.Module required user_a="b"', 'j.conf')).toThrow(/j.conf: ends where/)
    expect(() => parseJaas('Server { org.x.Module required a="b; };', 'j.conf')).toThrow(/quoted value is not closed/)
    expect(() => parseJaas('Server { org.x.Module required; };\nServer { org.x.Module required; };', 'j.conf')).toThrow(/j.conf:2: section Server appears twice/)
    expect(() => parseJaas('Server { org.x.Module required a "b"; };', 'j.conf')).toThrow(/option a has no "="/)
  })

  it('refuses a missing section, Kerberos, another module and a section without users', () => {
    const config = parseJaas(
      `Kerb { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };
       Other { org.example.Module required user_a="b"; };
       Empty { org.apache.zookeeper.server.auth.DigestLoginModule required; };`,
      'j.conf',
    )
    expect(() => jaasServerUsers(config, 'Server', 'j.conf')).toThrow('j.conf: has no section "Server" (sections: Kerb, Other, Empty)')
    expect(() => jaasServerUsers(config, 'Kerb', 'j.conf')).toThrow(/Kerberos \(GSSAPI\) is not supported/)
    expect(() => jaasServerUsers(config, 'Other', 'j.conf')).toThrow(/has no org.apache.zookeeper.server.auth.DigestLoginModule/)
    expect(() => jaasServerUsers(config, 'Empty', 'j.conf')).toThrow(/defines no user_<name>/)
    expect(() => jaasClientCredentials(config, 'Empty', 'j.conf')).toThrow(/needs username/)
  })
})
