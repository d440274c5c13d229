/** Prefix arithmetic the probes judge routes, rules and answers with. */
import { describe, expect, it } from 'vitest'
import { cidrContains, cidrCovers, classifyAddress, isPublicAddress, isValidCidr } from '../../../src/platform/cidr.js'

describe('cidr', () => {
  it.each([
    ['10.0.0.0/16', true],
    ['0.0.0.0/0', true],
    ['fd00::/8', true],
    ['10.0.0.0/33', false],
    ['10.0.0.0', false],
    ['10.0.0/16', false],
    ['fd00::/129', false],
    ['10.0.0.0/16/1', false],
  ])('isValidCidr(%s) is %s', (cidr, valid) => expect(isValidCidr(cidr)).toBe(valid))

  it('contains addresses of both families, and ignores invalid prefixes', () => {
    expect(cidrContains('172.31.0.0/16', '172.31.255.4')).toBe(true)
    expect(cidrContains('172.31.0.0/16', '172.32.0.1')).toBe(false)
    expect(cidrContains(['192.168.64.0/20', '10.0.0.0/8'], '192.168.79.255')).toBe(true)
    expect(cidrContains(['192.168.64.0/20'], '192.168.80.0')).toBe(false)
    expect(cidrContains('fd7a:115c:a1e0::/48', 'fd7a:115c:a1e0::1234')).toBe(true)
    expect(cidrContains(['bogus', '10.0.0.0/40'], '10.0.0.1')).toBe(false)
    expect(cidrContains('10.0.0.0/8', 'not-an-ip')).toBe(false)
  })

  it('covers a prefix only when it holds all of it', () => {
    expect(cidrCovers('10.0.0.0/8', '10.77.0.0/16')).toBe(true)
    expect(cidrCovers('10.77.0.0/16', '10.77.0.0/16')).toBe(true)
    expect(cidrCovers('10.77.0.0/17', '10.77.0.0/16')).toBe(false)
    expect(cidrCovers('10.77.128.0/17', '10.77.0.0/16')).toBe(false)
    expect(cidrCovers('0.0.0.0/0', '203.0.113.0/24')).toBe(true)
  })

  it.each([
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.40.1.21', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.85.200', 'private'],
    ['100.72.4.44', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'reserved'],
    ['255.255.255.0', 'reserved'],
    ['203.0.113.9', 'public'],
    ['fd00::5', 'private'],
    ['::1', 'loopback'],
  ])('classifyAddress(%s) is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind)
    expect(isPublicAddress(ip)).toBe(kind === 'public')
  })
})
