import { describe, expect, it } from 'vitest'
import { endpointFromError, explainTarget, targetFromError } from '../../../src/explain/target.js'
import { awsError, clusterInfo, fakeEnv } from '../../helpers/fake-env.js'

const WORLDS = [
  { cluster: 'ledger-prod', region: 'eu-west-1', host: '0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.eu-west-1.eks.amazonaws.com', others: ['batch'] },
  { cluster: 'inventory_stage-2', region: 'ap-northeast-2', host: '5f3c9a1e2b7d4c60a1b2c3d4e5f60718.sk1.ap-northeast-2.eks.amazonaws.com', others: ['analytics', 'edge'] },
]

describe('endpointFromError', () => {
  it.each(WORLDS)('$cluster: the EKS host of a lookup error, with its region', ({ host, region }) => {
    const text = `Unable to connect to the server: dial tcp: lookup ${host.toUpperCase()} on 127.0.0.53:53: no such host`
    expect(endpointFromError(text)).toEqual({ endpoint: `https://${host}`, host, region })
  })

  it('the IP kubectl dialled, with a port other than 443 kept', () => {
    expect(endpointFromError('Unable to connect to the server: dial tcp 10.40.1.21:443: i/o timeout')).toEqual({ endpoint: 'https://10.40.1.21' })
    expect(endpointFromError('dial tcp 192.168.70.9:6443: connect: connection refused')).toEqual({ endpoint: 'https://192.168.70.9:6443' })
    expect(endpointFromError('dial tcp [fd00:ec2::21]:443: i/o timeout')).toEqual({ endpoint: 'https://[fd00:ec2::21]' })
  })

  it('a dual-stack api.aws host; nothing from text that names no endpoint', () => {
    expect(endpointFromError('lookup 0a1b2c3d4e5f60718293a4b5c6d7e8f9.eu-west-1.api.aws: no such host')?.region).toBe('eu-west-1')
    // With the cell label, and in the China partition.
    expect(endpointFromError('lookup 0a1b2c3d4e5f60718293a4b5c6d7e8f9.gr7.us-west-2.api.aws on 127.0.0.53:53: no such host')?.region).toBe('us-west-2')
    expect(endpointFromError('dial tcp: lookup 5f3c9a1e2b7d4c60a1b2c3d4e5f60718.sk1.cn-north-1.api.amazonwebservices.com.cn: i/o timeout')?.region).toBe('cn-north-1')
    expect(endpointFromError('error: You must be logged in to the server (Unauthorized)')).toBeUndefined()
  })
})

describe('targetFromError', () => {
  it.each(WORLDS)('$cluster: finds the cluster whose endpoint has the host, among the clusters of the region', async (w) => {
    const env = fakeEnv({
      aws: {
        listClusters: { [w.region]: [...w.others, w.cluster] },
        describeCluster: Object.fromEntries([
          ...w.others.map((name, i) => [`${w.region}/${name}`, clusterInfo({ name, endpoint: `https://${String(i).repeat(32)}.gr7.${w.region}.eks.amazonaws.com` })]),
          [`${w.region}/${w.cluster}`, clusterInfo({ name: w.cluster, endpoint: `https://${w.host.toUpperCase()}` })],
        ]),
      },
    })
    expect(await targetFromError(env, `dial tcp: lookup ${w.host}: no such host`, {})).toEqual({ cluster: w.cluster, region: w.region, profile: undefined })
  })

  it('without credentials that can list clusters, the bare endpoint', async () => {
    const [w] = WORLDS
    const env = fakeEnv({ aws: { listClusters: { [w!.region]: awsError('AWS_NO_CREDENTIALS', 'Could not load credentials') } } })
    expect(await targetFromError(env, `lookup ${w!.host}: no such host`, { profile: 'ops' })).toEqual({ endpoint: `https://${w!.host}`, profile: 'ops' })
  })
})

describe('explainTarget', () => {
  it('leaves the flags alone when they or the kubeconfig name a target', async () => {
    expect(await explainTarget(fakeEnv(), { cluster: 'x', region: 'eu-west-1' }, 'dial tcp 10.0.0.1:443: i/o timeout')).toBeUndefined()
    const kubeconfig = 'apiVersion: v1\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- name: k\n  cluster: {server: "https://10.9.9.9"}\nusers:\n- name: u\n  user: {}\n'
    const env = fakeEnv({ files: { '/home/tester/.kube/config': kubeconfig } })
    expect(await explainTarget(env, {}, 'dial tcp 10.0.0.1:443: i/o timeout')).toBeUndefined()
  })

  it('with no kubeconfig, takes the target from the error; with neither, keeps the kubeconfig error', async () => {
    expect(await explainTarget(fakeEnv(), {}, 'dial tcp 10.40.1.21:443: i/o timeout')).toEqual({ endpoint: 'https://10.40.1.21', profile: undefined })
    await expect(explainTarget(fakeEnv(), {}, 'error: You must be logged in to the server (Unauthorized)')).rejects.toThrow(/no kubeconfig found/)
  })
})
