/**
 * Endpoints in every partition: the hosts eksdoctor's calls go to for us-iso (c2s.ic.gov),
 * us-isob (sc2s.sgov.gov), the European Sovereign Cloud (amazonaws.eu), China and GovCloud, with
 * FIPS and dual-stack. The SDK clients (EKS, STS, IAM) are asked through a loopback proxy that
 * records each CONNECT host and refuses it, so the hosts are the ones really dialled and nothing
 * leaves the machine; the EC2 Query client's rules and the EKS token's STS host are held to the
 * SDK's own resolvers for every region eksdoctor knows.
 */
import { EC2Client } from '@aws-sdk/client-ec2'
import { STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAwsClients } from '../../../src/aws/clients.js'
import { ec2Endpoint, stsHost } from '../../../src/aws/endpoints.js'
import { AWS_REGIONS, partitionOf } from '../../../src/aws/regions.js'
import { httpHandlerOptions } from '../../../src/aws/transport.js'
import { nodeHasProxyEnv, startLoopbackProxy, type LoopbackProxy } from './helpers/proxy.js'

const NO_FILES = { homedir: '/nonexistent-home', readText: async () => undefined }
const settings = (fips = false, dualstack = false, endpoint?: string) => ({ useFipsEndpoint: fips, useDualstackEndpoint: dualstack, endpointUrl: (id: string) => (id === 'EC2' ? endpoint : undefined) })

/** [region, FIPS, dual-stack] → the host of each service, as the SDK and AWS's endpoint docs give them. */
const TABLE: { region: string; fips?: boolean; dualstack?: boolean; eks: string; sts: string; iam: string; ec2: string }[] = [
  { region: 'us-iso-east-1', eks: 'eks.us-iso-east-1.c2s.ic.gov', sts: 'sts.us-iso-east-1.c2s.ic.gov', iam: 'iam.us-iso-east-1.c2s.ic.gov', ec2: 'ec2.us-iso-east-1.c2s.ic.gov' },
  { region: 'us-isob-east-1', eks: 'eks.us-isob-east-1.sc2s.sgov.gov', sts: 'sts.us-isob-east-1.sc2s.sgov.gov', iam: 'iam.us-isob-east-1.sc2s.sgov.gov', ec2: 'ec2.us-isob-east-1.sc2s.sgov.gov' },
  { region: 'eusc-de-east-1', eks: 'eks.eusc-de-east-1.amazonaws.eu', sts: 'sts.eusc-de-east-1.amazonaws.eu', iam: 'iam.eusc-de-east-1.amazonaws.eu', ec2: 'ec2.eusc-de-east-1.amazonaws.eu' },
  { region: 'cn-north-1', eks: 'eks.cn-north-1.amazonaws.com.cn', sts: 'sts.cn-north-1.amazonaws.com.cn', iam: 'iam.cn-north-1.amazonaws.com.cn', ec2: 'ec2.cn-north-1.amazonaws.com.cn' },
  { region: 'us-gov-west-1', eks: 'eks.us-gov-west-1.amazonaws.com', sts: 'sts.us-gov-west-1.amazonaws.com', iam: 'iam.us-gov.amazonaws.com', ec2: 'ec2.us-gov-west-1.amazonaws.com' },
  { region: 'eu-west-1', eks: 'eks.eu-west-1.amazonaws.com', sts: 'sts.eu-west-1.amazonaws.com', iam: 'iam.amazonaws.com', ec2: 'ec2.eu-west-1.amazonaws.com' },
  { region: 'us-east-1', fips: true, eks: 'fips.eks.us-east-1.amazonaws.com', sts: 'sts-fips.us-east-1.amazonaws.com', iam: 'iam-fips.amazonaws.com', ec2: 'ec2-fips.us-east-1.amazonaws.com' },
  { region: 'us-gov-west-1', fips: true, eks: 'eks.us-gov-west-1.amazonaws.com', sts: 'sts.us-gov-west-1.amazonaws.com', iam: 'iam.us-gov.amazonaws.com', ec2: 'ec2.us-gov-west-1.amazonaws.com' },
  { region: 'us-iso-east-1', fips: true, eks: 'eks-fips.us-iso-east-1.c2s.ic.gov', sts: 'sts-fips.us-iso-east-1.c2s.ic.gov', iam: 'iam-fips.us-iso-east-1.c2s.ic.gov', ec2: 'ec2-fips.us-iso-east-1.c2s.ic.gov' },
  { region: 'eu-west-1', dualstack: true, eks: 'eks.eu-west-1.api.aws', sts: 'sts.eu-west-1.api.aws', iam: 'iam.global.api.aws', ec2: 'ec2.eu-west-1.api.aws' },
  { region: 'cn-north-1', dualstack: true, eks: 'eks.cn-north-1.api.amazonwebservices.com.cn', sts: 'sts.cn-north-1.api.amazonwebservices.com.cn', iam: 'iam.global.api.amazonwebservices.com.cn', ec2: 'ec2.cn-north-1.api.amazonwebservices.com.cn' },
  { region: 'us-east-1', fips: true, dualstack: true, eks: 'eks-fips.us-east-1.api.aws', sts: 'sts-fips.us-east-1.api.aws', iam: 'iam-fips.global.api.aws', ec2: 'ec2-fips.us-east-1.api.aws' },
]

let proxy: LoopbackProxy
const saved = { ...process.env }

beforeAll(async () => {
  if (!nodeHasProxyEnv()) throw new Error(`Node ${process.version} has no built-in proxy support (needs 22.21+ or 24.5+): these calls would go direct`)
  proxy = await startLoopbackProxy(() => undefined)
  for (const name of Object.keys(process.env)) if (/^AWS_|_PROXY$/i.test(name)) delete process.env[name]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDENDPOINTTEST0001', AWS_SECRET_ACCESS_KEY: 'endpoint-test-secret', AWS_EC2_METADATA_DISABLED: 'true' })
})

afterAll(async () => {
  process.env = saved
  await proxy?.close()
})

describe('the hosts each client dials, through a proxy that records and refuses them', () => {
  it.each(TABLE)('$region fips=$fips dual-stack=$dualstack', async (row) => {
    const vars = {
      HTTPS_PROXY: proxy.url,
      AWS_MAX_ATTEMPTS: '1',
      ...(row.fips ? { AWS_USE_FIPS_ENDPOINT: 'true' } : {}),
      ...(row.dualstack ? { AWS_USE_DUALSTACK_ENDPOINT: 'true' } : {}),
    }
    // The transport is the guard: the proxy must be in the agents before anything is sent.
    expect((await httpHandlerOptions({ vars })).httpsAgent.proxyEnv).toMatchObject({ HTTPS_PROXY: proxy.url })
    const aws = createAwsClients(vars, NO_FILES)
    const o = { region: row.region, timeoutMs: 5_000 }
    const before = proxy.connects.length
    const results = await Promise.all([aws.describeCluster('ledger-prod', o), aws.getCallerIdentity(o), aws.getRole('ops', o), aws.describeVpcs(['vpc-1'], o)])
    for (const r of results) expect(r).toMatchObject({ ok: false, errorName: 'ERR_PROXY_TUNNEL' })
    expect(new Set(proxy.connects.slice(before))).toEqual(new Set([row.eks, row.sts, row.iam, row.ec2].map((h) => `${h}:443`)))
  })
})

describe('ec2Endpoint: EC2 rules over the SDK partition table', () => {
  it.each(TABLE)('$region fips=$fips dual-stack=$dualstack → $ec2', async (row) => {
    expect(await ec2Endpoint(row.region, settings(row.fips, row.dualstack))).toBe(`https://${row.ec2}`)
  })

  it('agrees with @aws-sdk/client-ec2 for every known region, FIPS and dual-stack on and off', async () => {
    const sdk = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
    for (const region of [...AWS_REGIONS, 'xx-unknown-1']) {
      for (const [fips, dualstack] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const theirs = sdk.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualstack }).url.href.replace(/\/$/, '')
        expect(await ec2Endpoint(region, settings(fips, dualstack)), `${region} fips=${fips} dualstack=${dualstack}`).toBe(theirs)
      }
    }
  })

  it('a configured endpoint wins, and refuses FIPS or dual-stack beside it as the SDK does', async () => {
    expect(await ec2Endpoint('eu-west-1', settings(false, false, 'http://127.0.0.1:4566'))).toBe('http://127.0.0.1:4566')
    await expect(ec2Endpoint('eu-west-1', settings(true, false, 'http://127.0.0.1:4566'))).rejects.toThrow('FIPS and custom endpoint are not supported')
    await expect(ec2Endpoint('eu-west-1', settings(false, true, 'http://127.0.0.1:4566'))).rejects.toThrow('Dualstack and custom endpoint are not supported')
  })
})

describe('the STS host inside an EKS token', () => {
  it('is the regional STS host the SDK resolves, for every known region', async () => {
    const sdk = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } })
    for (const region of AWS_REGIONS) {
      const theirs = sdk.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false, UseGlobalEndpoint: false }).url.host
      expect(await stsHost(region), region).toBe(theirs)
    }
  })
})

describe('partitionOf (ARN partitions) agrees with the SDK partition table', () => {
  it('for every known region', async () => {
    const { partition } = await import('@aws-sdk/core/client')
    for (const region of AWS_REGIONS) expect(partitionOf(region), region).toBe(partition(region).name)
  })
})
