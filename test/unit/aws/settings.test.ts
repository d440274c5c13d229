/**
 * The settings of a profile, read from the variables eksdoctor was given and the shared files in
 * the order the SDK reads them: configured endpoints (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
 * the profile's [services] section, its endpoint_url; none under
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or ignore_configured_endpoint_urls), FIPS and dual-stack,
 * attempts and retry mode, the CA bundle.
 */
import { describe, expect, it } from 'vitest'
import { resolveAwsSettings } from '../../../src/aws/settings.js'

const CONFIG = [
  '[default]',
  'region = eu-west-1',
  '',
  '[profile corp]',
  'region = eu-west-1',
  'endpoint_url = http://aws.corp.example:4566',
  'services = corp-endpoints',
  'use_fips_endpoint = true',
  'max_attempts = 6',
  'retry_mode = adaptive',
  'ca_bundle = /etc/corp/ca.pem',
  '',
  '[services corp-endpoints]',
  'eks =',
  '  endpoint_url = http://eks.corp.example:9000',
  'ec2 =',
  '  endpoint_url = http://ec2.corp.example:9001/',
  '',
  '[profile lab]',
  'ignore_configured_endpoint_urls = true',
  'endpoint_url = http://ignored.example',
  'use_dualstack_endpoint = true',
  '',
  '[profile broken]',
  'use_fips_endpoint = yes',
  'max_attempts = many',
  'services = missing-section',
  '',
].join('\n')

const source = (vars: Record<string, string | undefined> = {}) => ({ vars, homedir: '/home/op', readText: async (path: string) => (path === '/home/op/.aws/config' ? CONFIG : undefined) })
const endpoints = (s: { endpointUrl(id: string): string | undefined }) => Object.fromEntries(['EKS', 'EC2', 'STS', 'IAM'].map((id) => [id, s.endpointUrl(id)]))

describe('configured endpoints', () => {
  it('a [services] section per service, the profile endpoint_url for the rest', async () => {
    expect(endpoints(await resolveAwsSettings('corp', source()))).toEqual({
      EKS: 'http://eks.corp.example:9000',
      EC2: 'http://ec2.corp.example:9001',
      STS: 'http://aws.corp.example:4566',
      IAM: 'http://aws.corp.example:4566',
    })
  })

  it('AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, before anything in the file', async () => {
    const s = await resolveAwsSettings('corp', source({ AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }))
    expect(endpoints(s)).toEqual({ EKS: 'http://127.0.0.1:4566', EC2: 'http://127.0.0.1:4566', STS: 'http://127.0.0.1:5000', IAM: 'http://127.0.0.1:4566' })
  })

  it('AWS_PROFILE chooses the profile when none is named', async () => {
    expect((await resolveAwsSettings(undefined, source({ AWS_PROFILE: 'corp' }))).endpointUrl('EKS')).toBe('http://eks.corp.example:9000')
    expect((await resolveAwsSettings(undefined, source())).endpointUrl('EKS')).toBeUndefined()
  })

  it.each([
    { how: 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true', profile: 'corp', vars: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL_EKS: 'http://127.0.0.1:9' } },
    { how: 'ignore_configured_endpoint_urls in the profile', profile: 'lab', vars: {} },
  ])('$how: no configured endpoint at all, the SDK rules decide', async ({ profile, vars }) => {
    expect(endpoints(await resolveAwsSettings(profile, source(vars)))).toEqual({ EKS: undefined, EC2: undefined, STS: undefined, IAM: undefined })
  })

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false leaves them on', async () => {
    expect((await resolveAwsSettings('corp', source({ AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' }))).endpointUrl('EKS')).toBe('http://eks.corp.example:9000')
  })
})

describe('FIPS, dual-stack, attempts, retry mode, CA bundle', () => {
  it('from the profile', async () => {
    expect(await resolveAwsSettings('corp', source())).toMatchObject({ useFipsEndpoint: true, useDualstackEndpoint: false, maxAttempts: 6, retryMode: 'adaptive', caBundle: '/etc/corp/ca.pem' })
    expect(await resolveAwsSettings('lab', source())).toMatchObject({ useFipsEndpoint: false, useDualstackEndpoint: true, maxAttempts: 3, retryMode: 'standard' })
  })

  it('the variables win over the profile', async () => {
    const vars = { AWS_USE_FIPS_ENDPOINT: 'false', AWS_USE_DUALSTACK_ENDPOINT: 'true', AWS_MAX_ATTEMPTS: '2', AWS_RETRY_MODE: 'standard', AWS_CA_BUNDLE: '/tmp/other.pem' }
    expect(await resolveAwsSettings('corp', source(vars))).toMatchObject({ useFipsEndpoint: false, useDualstackEndpoint: true, maxAttempts: 2, retryMode: 'standard', caBundle: '/tmp/other.pem' })
  })

  it('values the SDK rejects fall through to the next source, then the default', async () => {
    const s = await resolveAwsSettings('broken', source({ AWS_USE_FIPS_ENDPOINT: 'sometimes' }))
    expect(s).toMatchObject({ useFipsEndpoint: false, maxAttempts: 3 })
    // A [services] section the file lacks is no endpoint (the SDK's selector refuses it).
    expect(s.endpointUrl('EKS')).toBeUndefined()
  })

  it('no files at all: the SDK defaults', async () => {
    const s = await resolveAwsSettings(undefined, { vars: {}, homedir: '/nowhere', readText: async () => undefined })
    expect(s).toMatchObject({ profile: 'default', useFipsEndpoint: false, useDualstackEndpoint: false, maxAttempts: 3, retryMode: 'standard', caBundle: undefined })
  })
})
