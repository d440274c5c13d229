/**
 * The Query-protocol XML reader against real EC2 answers: moto 5.2.1 recordings (compact, one
 * line, `<?xml?>` declaration, namespace without a trailing slash) and the EC2 API reference's own
 * samples (indented, namespace with a slash). See test/fixtures/SOURCES.md.
 */
import { describe, expect, it } from 'vitest'
import { bool, child, int, items, parseXml, text, type XmlElement } from '../../../src/aws/xml.js'
import { readFixture } from '../../helpers/fake-env.js'

interface Ec2Capture {
  region: string
  action: string
  params: Record<string, string>
  status: number
  body: string
}

const moto = (name: string): Ec2Capture => JSON.parse(readFixture(`ec2/moto-5.2.1/${name}.json`)) as Ec2Capture
const published = (name: string): string => readFixture(`ec2/published/${name}.xml`)

/** The names of an element's children, in order. */
const names = (el: XmlElement | undefined): string[] => el?.children.map((c) => c.name) ?? []

describe('parseXml on recorded EC2 answers', () => {
  it.each([
    { file: 'a-describe-vpcs', root: 'DescribeVpcsResponse', list: 'vpcSet', count: 1 },
    { file: 'b-describe-route-tables-eks-vpc', root: 'DescribeRouteTablesResponse', list: 'routeTableSet', count: 3 },
    { file: 'a-describe-security-groups', root: 'DescribeSecurityGroupsResponse', list: 'securityGroupInfo', count: 2 },
    { file: 'b-describe-vpc-peering-connections-requester', root: 'DescribeVpcPeeringConnectionsResponse', list: 'vpcPeeringConnectionSet', count: 2 },
    { file: 'a-describe-network-acls', root: 'DescribeNetworkAclsResponse', list: 'networkAclSet', count: 1 },
    { file: 'b-describe-instances-by-ip', root: 'DescribeInstancesResponse', list: 'reservationSet', count: 1 },
    { file: 'a-describe-network-interfaces', root: 'DescribeNetworkInterfacesResponse', list: 'networkInterfaceSet', count: 2 },
  ])('$file: the declaration is skipped and the root is $root with $count $list item(s)', ({ file, root, list, count }) => {
    const xml = parseXml(moto(file).body)
    expect(xml.name).toBe(root)
    expect(items(xml, list)).toHaveLength(count)
    expect(text(xml, 'requestId')).toBe('request-id')
  })

  it('reads nested lists of the same element name (item inside item) without mixing levels', () => {
    const xml = parseXml(moto('b-describe-route-tables-by-subnet').body)
    const tables = items(xml, 'routeTableSet')
    expect(tables.map((t) => text(t, 'routeTableId'))).toEqual(['rtb-c00d849fe2fb31f72', 'rtb-45a5ce97a0b090767'])
    const second = tables[1]
    expect(items(second, 'routeSet').map((r) => text(r, 'destinationCidrBlock'))).toEqual(['10.0.0.0/16', '172.31.0.0/16', '192.168.0.0/16'])
    expect(items(second, 'associationSet').map((a) => text(a, 'subnetId'))).toEqual(['subnet-e1391bffa06b64baf'])
    // The association's own state element sits inside associationState, not beside main.
    const association = items(second, 'associationSet')[0]
    expect(text(association, 'state')).toBeUndefined()
    expect(text(child(association, 'associationState'), 'state')).toBe('associated')
  })

  it('self-closing lists are present and empty; absent lists are empty too', () => {
    const group = items(parseXml(moto('b-describe-security-groups').body), 'securityGroupInfo')[1]
    const rule = items(group, 'ipPermissions')[0]
    expect(names(rule)).toEqual(['ipProtocol', 'fromPort', 'toPort', 'groups', 'ipRanges', 'ipv6Ranges', 'prefixListIds'])
    expect(child(rule, 'groups')).toEqual({ name: 'groups', children: [], text: '' })
    expect(items(rule, 'groups')).toEqual([])
    expect(items(rule, 'noSuchList')).toEqual([])
    expect(items(undefined, 'groups')).toEqual([])
    expect(text(rule, 'groups')).toBe('')
  })

  it('a self-closing element does not swallow its following siblings', () => {
    const xml = parseXml(moto('a-describe-instances-no-match').body)
    expect(names(xml)).toEqual(['reservationSet', 'requestId'])
    const instance = items(items(parseXml(moto('a-describe-instances-by-id').body), 'reservationSet')[0], 'instancesSet')[0]
    // <groupSet/> and <productCodes/> are followed by real values that must stay on the instance.
    expect(text(instance, 'instanceId')).toBe('i-2f7ab6a8b06e9d7bc')
    expect(text(instance, 'privateIpAddress')).toBe('10.99.0.10')
    expect(text(child(instance, 'instanceState'), 'name')).toBe('running')
    expect(text(child(instance, 'stateReason'), 'code')).toBe('')
  })

  it('text, bool and int read typed values and say undefined when the element is absent', () => {
    const acl = items(parseXml(moto('b-describe-network-acls').body), 'networkAclSet')[0]
    const deny = items(acl, 'entrySet').find((e) => text(e, 'ruleNumber') === '50')
    expect(int(deny, 'ruleNumber')).toBe(50)
    expect(bool(deny, 'egress')).toBe(false)
    expect(text(deny, 'ruleAction')).toBe('deny')
    expect(int(child(deny, 'portRange'), 'from')).toBe(443)
    const star = items(acl, 'entrySet').find((e) => text(e, 'ruleNumber') === '32767')
    expect(child(star, 'portRange')).toBeUndefined()
    expect(int(child(star, 'portRange'), 'from')).toBeUndefined()
    expect(bool(acl, 'default')).toBe(false)
    expect(bool(acl, 'isDefault')).toBeUndefined()
    const attr = parseXml(moto('a-describe-vpc-attribute-dns-hostnames').body)
    expect(bool(child(attr, 'enableDnsHostnames'), 'value')).toBe(true)
  })

  it('an error document: Response > Errors > Error with Code and Message', () => {
    const capture = moto('error-invalid-vpc-id')
    expect(capture.status).toBe(400)
    const error = child(child(parseXml(capture.body), 'Errors'), 'Error')
    expect(text(error, 'Code')).toBe('InvalidVpcID.NotFound')
    expect(text(error, 'Message')).toBe("VpcID {'vpc-0123456789abcdef0'} does not exist.")
  })
})

describe('parseXml on the EC2 API reference samples (indented, namespaced)', () => {
  it('trims the indentation around values', () => {
    const xml = parseXml(published('ec2-api-reference-describe-route-tables'))
    expect(xml.name).toBe('DescribeRouteTablesResponse')
    const table = items(xml, 'routeTableSet')[0]
    expect(text(table, 'routeTableId')).toBe('rtb-1122334455667788a')
    expect(items(table, 'routeSet').map((r) => [text(r, 'destinationCidrBlock'), text(r, 'gatewayId')])).toEqual([
      ['10.0.1.0/32', 'igw-012345678901abcdef'],
      ['172.31.0.0/16', 'local'],
      ['0.0.0.0/0', 'igw-012345678901abcdef'],
    ])
    expect(items(table, 'propagatingVgwSet')).toEqual([])
  })

  it('reads negative numbers (ICMP "all types" is -1)', () => {
    const group = items(parseXml(published('ec2-api-reference-describe-security-groups-peered-group')), 'securityGroupInfo')[0]
    const icmp = items(group, 'ipPermissions')[1]
    expect(text(icmp, 'ipProtocol')).toBe('icmp')
    expect(int(icmp, 'fromPort')).toBe(-1)
    expect(text(items(icmp, 'groups')[0], 'vpcPeeringConnectionId')).toBe('pcx-11223344')
  })

  it('the documented error response', () => {
    const error = child(child(parseXml(published('ec2-api-reference-error-invalid-instance-id')), 'Errors'), 'Error')
    expect(text(error, 'Code')).toBe('InvalidInstanceID.NotFound')
    expect(text(error, 'Message')).toBe("The instance ID 'i-1a2b3c4d' does not exist")
  })
})

describe('parseXml: the XML features a Query answer may use', () => {
  it('decodes the five named entities and numeric references in text', () => {
    const xml = parseXml('<r><m>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#39;f&#39; &#x41;&#x1F600;</m><u>&nbsp;</u></r>')
    expect(text(xml, 'm')).toBe(`a & b <c> "d" 'e' 'f' A😀`)
    // An entity XML does not define is left as written.
    expect(text(xml, 'u')).toBe('&nbsp;')
  })

  it('does not decode twice (&amp;lt; is the text &lt;)', () => {
    expect(text(parseXml('<r><m>&amp;lt;</m></r>'), 'm')).toBe('&lt;')
  })

  it('keeps CDATA verbatim and skips comments and processing instructions', () => {
    const xml = parseXml('<?xml version="1.0"?><!-- c --><r><m><![CDATA[<not a tag> & raw]]></m><!-- <n>x</n> --><o>1</o></r>')
    expect(xml.name).toBe('r')
    expect(names(xml)).toEqual(['m', 'o'])
    expect(text(xml, 'm')).toBe('<not a tag> & raw')
  })

  it('drops namespace prefixes and ignores attributes, including ones with slashes', () => {
    const xml = parseXml('<ec2:R xmlns:ec2="http://ec2.amazonaws.com/doc/2016-11-15/"><ec2:item a="x/y">v</ec2:item><b c="/"/><d>2</d></ec2:R>')
    expect(xml.name).toBe('R')
    expect(names(xml)).toEqual(['item', 'b', 'd'])
    expect(text(xml, 'item')).toBe('v')
    expect(text(xml, 'd')).toBe('2')
  })

  it('child and text take the first of repeated names', () => {
    const xml = parseXml('<r><k>1</k><k>2</k></r>')
    expect(text(xml, 'k')).toBe('1')
    expect(child(xml, 'k')?.text).toBe('1')
    expect(child(undefined, 'k')).toBeUndefined()
  })

  it('an empty or non-XML body gives an empty document, not a throw', () => {
    expect(parseXml('')).toEqual({ name: '#document', children: [], text: '' })
    expect(parseXml('Service Unavailable').children).toEqual([])
  })
})
