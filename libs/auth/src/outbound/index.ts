export * from './assert-public-url';
export { parseIp, parseCidr, cidrContains, nonPublicReason, embeddedIpv4, formatIp, type Cidr, type IpBytes } from './ip-address';
export { parseServiceUrl, formatServiceUrl, type ServiceUrl, type ServiceHost } from './service-url';
export { parseHttpUrl, httpUrlHost, type HttpUrlParse } from './http-url';
