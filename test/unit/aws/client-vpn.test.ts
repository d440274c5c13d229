/**
 * The Client VPN reads through the real Query client against the recorded-shape fake
 * (test/helpers/client-vpn-fake.ts): each answer normalised into its small shape, every page read,
 * and an AWS refusal classified with the IAM action it names. Two endpoints, two regions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAwsClients } from '../../../src/aws/clients.js'
import { startClientVpnFake, type ClientVpnFake, type FakeClientVpnEndpoint } from '../../helpers/client-vpn-fake.js'

const NO_FILES = { homedir: '/nonexistent-home', readText: async () => undefined }
const saved = { ...process.env }
let fake: ClientVpnFake

const LEDGER: FakeClientVpnEndpoint = {
  id: 'cvpn-endpoint-0a1b2c3d4e5f60718',
  region: 'eu-west-1',
  name: 'ledger-vpn',
  clientCidrBlock: '172.20.0.0/22',
  splitTunnel: true,
  vpcId: 'vpc-0a77c6e824909bb87',
  securityGroupIds: ['sg-0c0ffee0c0ffee001'],
  dnsServers: ['10.77.0.2'],
  serverCertificateArn: 'arn:aws:acm:eu-west-1:210987654321:certificate/5c1b7a2e-0d4f-4b8e-9a61-1f2e3d4c5b6a',
  authentication: [
    { type: 'certificate-authentication', clientRootCertificateChain: 'arn:aws:acm:eu-west-1:210987654321:certificate/8d2c6b1a-3e4f-4a5b-8c7d-0e1f2a3b4c5d' },
    { type: 'federated-authentication', samlProviderArn: 'arn:aws:iam::210987654321:saml-provider/okta' },
  ],
  associations: [
    { id: 'cvpn-assoc-0f1e2d3c4b5a69788', subnetId: 'subnet-0a1b2c3d4e5f60718', vpcId: 'vpc-0a77c6e824909bb87' },
    { id: 'cvpn-assoc-01234567890abcdef', subnetId: 'subnet-0f9e8d7c6b5a49382', vpcId: 'vpc-0a77c6e824909bb87', status: 'association-failed', statusMessage: 'not enough free addresses' },
  ],
  rules: [
    { destinationCidr: '10.40.0.0/16', groupId: 'eks-operators', description: 'EKS' },
    { destinationCidr: '10.77.0.0/16', accessAll: true },
    { destinationCidr: '10.41.0.0/16', groupId: 'eks-operators', status: 'revoking' },
  ],
  routes: [
    { destinationCidr: '10.77.0.0/16', targetSubnet: 'subnet-0a1b2c3d4e5f60718', origin: 'associate' },
    { destinationCidr: '10.40.0.0/16', targetSubnet: 'subnet-0a1b2c3d4e5f60718', status: 'failed', statusMessage: 'the subnet is not associated' },
  ],
}

const INVENTORY: FakeClientVpnEndpoint = {
  id: 'cvpn-endpoint-0ffeeddccbbaa9988',
  region: 'sa-east-1',
  status: 'pending-associate',
  clientCidrBlock: '10.250.0.0/20',
  serverCertificateArn: 'arn:aws:acm:sa-east-1:123456789012:certificate/0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
  authentication: [{ type: 'directory-service-authentication', directoryId: 'd-9067a1b2c3' }],
  associations: [],
  rules: [],
  routes: [],
}

function clients(region: string) {
  const aws = createAwsClients({ AWS_ENDPOINT_URL_EC2: fake.url, AWS_ACCESS_KEY_ID: 'AKIDCLIENTVPNTEST001', AWS_SECRET_ACCESS_KEY: 'client-vpn-test-secret', AWS_EC2_METADATA_DISABLED: 'true' }, NO_FILES)
  return { aws, call: { region, timeoutMs: 10_000 } }
}

beforeAll(async () => {
  for (const name of Object.keys(process.env)) if (/^AWS_/.test(name)) delete process.env[name]
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDCLIENTVPNTEST001', AWS_SECRET_ACCESS_KEY: 'client-vpn-test-secret', AWS_EC2_METADATA_DISABLED: 'true' })
  // Nothing here is proxied: moto's address only has to parse.
  fake = await startClientVpnFake({ url: 'http://127.0.0.1:9' }, [LEDGER, INVENTORY])
})

afterAll(async () => {
  process.env = saved
  await fake.close()
})

describe('Client VPN reads', () => {
  it('DescribeClientVpnEndpoints: the region\'s endpoints, normalised', async () => {
    const { aws, call } = clients('eu-west-1')
    const result = await aws.describeClientVpnEndpoints({}, call)
    expect(result).toMatchObject({ ok: true })
    expect(result.ok && result.value).toEqual([
      {
        id: LEDGER.id,
        status: 'available',
        name: 'ledger-vpn',
        clientCidrBlock: '172.20.0.0/22',
        splitTunnel: true,
        vpcId: 'vpc-0a77c6e824909bb87',
        securityGroupIds: ['sg-0c0ffee0c0ffee001'],
        dnsServers: ['10.77.0.2'],
        authentication: ['certificate-authentication', 'federated-authentication'],
        transportProtocol: 'udp',
        vpnPort: 443,
        dnsName: `*.${LEDGER.id}.prod.clientvpn.eu-west-1.amazonaws.com`,
      },
    ])
    const other = clients('sa-east-1')
    const there = await other.aws.describeClientVpnEndpoints({}, other.call)
    expect(there.ok && there.value.map((e) => [e.id, e.status, e.splitTunnel, e.vpcId, e.authentication])).toEqual([[INVENTORY.id, 'pending-associate', false, undefined, ['directory-service-authentication']]])
  })

  it('DescribeClientVpnTargetNetworks: each association with its subnet, VPC, status and groups', async () => {
    const { aws, call } = clients('eu-west-1')
    const result = await aws.describeClientVpnTargetNetworks(LEDGER.id, call)
    expect(result.ok && result.value).toEqual([
      { id: 'cvpn-assoc-0f1e2d3c4b5a69788', endpointId: LEDGER.id, subnetId: 'subnet-0a1b2c3d4e5f60718', vpcId: 'vpc-0a77c6e824909bb87', status: 'associated', securityGroupIds: ['sg-0c0ffee0c0ffee001'] },
      {
        id: 'cvpn-assoc-01234567890abcdef',
        endpointId: LEDGER.id,
        subnetId: 'subnet-0f9e8d7c6b5a49382',
        vpcId: 'vpc-0a77c6e824909bb87',
        status: 'association-failed',
        statusMessage: 'not enough free addresses',
        securityGroupIds: ['sg-0c0ffee0c0ffee001'],
      },
    ])
  })

  it('authorization rules and routes, over as many pages as the service gives', async () => {
    const { aws, call } = clients('eu-west-1')
    fake.pageSize = 1
    const before = fake.requests.length
    try {
      const [rules, routes] = await Promise.all([aws.describeClientVpnAuthorizationRules(LEDGER.id, call), aws.describeClientVpnRoutes(LEDGER.id, call)])
      expect(rules.ok && rules.value).toEqual([
        { destinationCidr: '10.40.0.0/16', accessAll: false, groupId: 'eks-operators', status: 'active', description: 'EKS' },
        { destinationCidr: '10.77.0.0/16', accessAll: true, status: 'active' },
        { destinationCidr: '10.41.0.0/16', accessAll: false, groupId: 'eks-operators', status: 'revoking' },
      ])
      expect(routes.ok && routes.value).toEqual([
        { destinationCidr: '10.77.0.0/16', targetSubnet: 'subnet-0a1b2c3d4e5f60718', type: 'Nat', origin: 'associate', status: 'active' },
        { destinationCidr: '10.40.0.0/16', targetSubnet: 'subnet-0a1b2c3d4e5f60718', type: 'Nat', origin: 'add-route', status: 'failed', statusMessage: 'the subnet is not associated' },
      ])
      // Three pages of rules and two of routes.
      expect(fake.requests.length - before).toBe(5)
    } finally {
      fake.pageSize = 1000
    }
  })

  it('a refusal is AWS_ACCESS_DENIED naming the action; an unknown endpoint is AWS\'s own error', async () => {
    const { aws, call } = clients('sa-east-1')
    fake.denied.add('DescribeClientVpnRoutes')
    try {
      expect(await aws.describeClientVpnRoutes(INVENTORY.id, call)).toMatchObject({ ok: false, code: 'AWS_ACCESS_DENIED', action: 'ec2:DescribeClientVpnRoutes', errorName: 'UnauthorizedOperation' })
    } finally {
      fake.denied.clear()
    }
    expect(await aws.describeClientVpnAuthorizationRules(LEDGER.id, call)).toMatchObject({ ok: false, code: 'AWS_ERROR', errorName: 'InvalidClientVpnEndpointId.NotFound' })
  })
})
