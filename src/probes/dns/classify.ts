/** Classify one DNS answer against what is known of the cluster. */
import { classifyAddress, cidrContains } from '../../platform/cidr.js'

export type AnswerClass = 'endpoint-eni' | 'vpc' | 'private' | 'cgnat' | 'loopback' | 'link-local' | 'reserved' | 'public'

export interface ClusterNetworkFacts {
  eniIps?: string[]
  vpcCidrs?: string[]
}

export function classifyAnswer(ip: string, facts: ClusterNetworkFacts): AnswerClass {
  if (facts.eniIps?.includes(ip)) return 'endpoint-eni'
  if (facts.vpcCidrs?.length && cidrContains(facts.vpcCidrs, ip)) return 'vpc'
  return classifyAddress(ip)
}
