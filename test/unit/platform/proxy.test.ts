/** Go's net/http proxy selection (golang.org/x/net/http/httpproxy), the rules kubectl follows. */
import { describe, expect, it } from 'vitest'
import { decideProxy, displayProxyUrl } from '../../../src/platform/proxy.js'

const EKS = 'https://0123456789ABCDEF0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com'

describe('decideProxy', () => {
  const cases: { name: string; url: string; vars: Record<string, string>; proxy?: string; bypassedBy?: string; reason?: string }[] = [
    { name: 'nothing set', url: EKS, vars: {}, reason: 'no-proxy-set' },
    { name: 'HTTPS_PROXY applies to https', url: EKS, vars: { HTTPS_PROXY: 'http://proxy.corp:3128' }, proxy: 'http://proxy.corp:3128' },
    { name: 'lower-case https_proxy', url: EKS, vars: { https_proxy: 'http://p:8080' }, proxy: 'http://p:8080' },
    { name: 'upper case wins over lower', url: EKS, vars: { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' }, proxy: 'http://upper:1' },
    { name: 'HTTP_PROXY does not apply to https', url: EKS, vars: { HTTP_PROXY: 'http://p:1' }, reason: 'no-proxy-set' },
    { name: 'scheme-less proxy means http://', url: EKS, vars: { HTTPS_PROXY: 'proxy.corp:3128' }, proxy: 'http://proxy.corp:3128' },
    { name: 'NO_PROXY suffix with dot', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.eks.amazonaws.com' }, bypassedBy: '.eks.amazonaws.com' },
    { name: 'NO_PROXY domain matches subdomains', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'amazonaws.com' }, bypassedBy: 'amazonaws.com' },
    { name: 'NO_PROXY *.domain', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*.eks.amazonaws.com' }, bypassedBy: '*.eks.amazonaws.com' },
    { name: 'NO_PROXY is case-insensitive', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', no_proxy: 'EKS.AmazonAWS.com' }, bypassedBy: 'EKS.AmazonAWS.com' },
    { name: 'NO_PROXY with another port does not match', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.amazonaws.com:8443' }, proxy: 'http://p:1' },
    { name: 'NO_PROXY with the right port matches', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.amazonaws.com:443' }, bypassedBy: '.amazonaws.com:443' },
    { name: 'a partial label is no match', url: 'https://notamazonaws.com', vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'amazonaws.com' }, proxy: 'http://p:1' },
    { name: 'a CIDR never matches a host name (the classic trap)', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.0.0.0/8' }, proxy: 'http://p:1' },
    { name: 'a CIDR matches an IP endpoint', url: 'https://10.20.30.40', vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.0.0.0/8' }, bypassedBy: '10.0.0.0/8' },
    { name: 'an IP entry matches the IP', url: 'https://10.20.30.40:6443', vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.20.30.40' }, bypassedBy: '10.20.30.40' },
    { name: 'an IP entry with a port must match the port', url: 'https://10.20.30.40', vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.20.30.40:6443' }, proxy: 'http://p:1' },
    { name: 'a domain entry never matches an IP host', url: 'https://10.20.30.40', vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '40' }, proxy: 'http://p:1' },
    { name: '* disables the proxy', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'foo, *' }, bypassedBy: '*' },
    { name: 'loopback is never proxied', url: 'https://127.0.0.9:6443', vars: { HTTPS_PROXY: 'http://p:1' }, reason: 'loopback' },
    { name: 'localhost is never proxied', url: 'https://localhost:6443', vars: { HTTPS_PROXY: 'http://p:1' }, reason: 'loopback' },
    { name: 'IPv6 loopback is never proxied', url: 'https://[::1]:6443', vars: { HTTPS_PROXY: 'http://p:1' }, reason: 'loopback' },
    { name: 'bracketed IPv6 entry', url: 'https://[fd00::5]', vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: '[fd00::5]:443' }, bypassedBy: '[fd00::5]:443' },
    { name: 'empty entries are ignored', url: EKS, vars: { HTTPS_PROXY: 'http://p:1', NO_PROXY: ',, ,' }, proxy: 'http://p:1' },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideProxy(c.url, c.vars)
      expect(decision.proxy).toBe(c.proxy)
      if (c.bypassedBy) expect(decision).toMatchObject({ reason: 'no-proxy-match', bypassedBy: c.bypassedBy })
      if (c.reason) expect(decision.reason).toBe(c.reason)
      if (c.proxy) expect(decision.reason).toBe('proxied')
    })
  }
})

describe('displayProxyUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(displayProxyUrl('http://alice:s3cr3t@proxy.corp:3128')).toBe('http://alice:****@proxy.corp:3128')
    expect(displayProxyUrl('http://proxy.corp:3128')).toBe('http://proxy.corp:3128')
  })
})
