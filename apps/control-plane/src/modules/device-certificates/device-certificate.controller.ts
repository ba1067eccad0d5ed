import { Body, Headers, Param, Query } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import {
  deviceCertificatePageSchema,
  deviceCertificateViewSchema,
  listDeviceCertificatesSchema,
  registerDeviceCertificateSchema,
  updateDeviceCertificateSchema,
} from './device-certificate.dto';
import { DeviceCertificateService } from './device-certificate.service';
import { issueCertificatesSchema, jobAcceptedSchema } from './certificate-issue.dto';
import { CertificateIssueService } from './certificate-issue.service';


@InstanceScopedController('device-certificates')
export class DeviceCertificateController {
  constructor(
    private readonly certificates: DeviceCertificateService,
    private readonly issuer: CertificateIssueService,
  ) {}

  @PostRoute('issue', {
    summary: 'Queue a job that issues device certificates from the instance CA: for client ids, a count of generated ids, or CSRs',
    description:
      'Generated key pairs are EC P-256 unless keyAlgorithm says rsa-2048; a CSR keeps its key on the device and its CN is the client id. Every certificate is registered ACTIVE. The same Idempotency-Key header (or idempotencyKey field) with the same request answers the same job; with another request it is a 409. Follow GET /v1/jobs/{jobId}; download GET /v1/jobs/{jobId}/result.',
    body: issueCertificatesSchema,
    response: jobAcceptedSchema,
    problems: [403, 409, 422],
    status: 202,
  })
  issue(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown, @Headers('idempotency-key') idempotencyKey?: string) {
    const input = parseInput(issueCertificatesSchema, body);
    return this.issuer.issue(caller.tenantId, id, { ...input, idempotencyKey: input.idempotencyKey ?? idempotencyKey }, caller);
  }

  @GetRoute({ summary: 'List the device certificate registry by serial number', query: listDeviceCertificatesSchema, response: deviceCertificatePageSchema, problems: [422] })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    return this.certificates.list(caller.tenantId, id, parseInput(listDeviceCertificatesSchema, query));
  }

  @PostRoute({
    summary: 'Register a device certificate issued by the instance CA or a registered CA',
    description: 'Its CN is the client id it may connect with. Professional edition and up; the edition quota applies (409 quota-exceeded).',
    body: registerDeviceCertificateSchema,
    response: deviceCertificateViewSchema,
    problems: [403, 409, 422],
  })
  register(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.certificates.register(caller.tenantId, id, parseInput(registerDeviceCertificateSchema, body), caller);
  }

  @GetRoute(':serial', { summary: 'Get a device certificate by serial number (hex)', response: deviceCertificateViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('serial') serial: string) {
    return this.certificates.get(caller.tenantId, id, serial);
  }

  @PatchRoute(':serial', {
    summary: 'Activate, deactivate or revoke a device certificate',
    description: 'Deactivating or revoking disconnects the devices using it at once. Revoking is final and publishes the certificate in the CRL when the instance CA issued it.',
    body: updateDeviceCertificateSchema,
    response: deviceCertificateViewSchema,
    problems: [403, 409, 422],
  })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('serial') serial: string, @Body() body: unknown) {
    return this.certificates.update(caller.tenantId, id, serial, parseInput(updateDeviceCertificateSchema, body), caller);
  }

  @DeleteRoute(':serial', { summary: 'Remove a device certificate from the registry (not a revoked one); its devices are disconnected', problems: [409] })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('serial') serial: string) {
    await this.certificates.delete(caller.tenantId, id, serial, caller);
  }
}
